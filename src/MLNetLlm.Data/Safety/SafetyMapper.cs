using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;

namespace MLNetLlm.Data.Safety;

/// <summary>
/// Added columns computed together once per row (a safety decision fills several columns): the bound function reads
/// the input row and returns one value per added column (bool or string); getters of the same row share the result.
/// </summary>
internal sealed class SafetyMapper : AddedColumnsMapper
{
    readonly Func<DataViewRow, Func<object[]>> _bind;
    readonly bool[] _isBool;

    public SafetyMapper(DataViewSchema inputSchema, DataViewSchema added, int[] sources, Func<DataViewRow, Func<object[]>> bind)
        : base(inputSchema, added, Enumerable.Range(0, added.Count).Select(_ => sources).ToArray())
    {
        _bind = bind;
        _isBool = added.Select(c => c.Type is BooleanDataViewType).ToArray();
    }

    protected internal override AddedValues CreateRowValues(DataViewRow input, bool[] active) => new Values(input, _bind(input), _isBool);

    sealed class Values(DataViewRow input, Func<object[]> compute, bool[] isBool) : AddedValues
    {
        long _position = -1;
        object[]? _current;

        object[] Current()
        {
            if (_current is null || _position != input.Position)
            {
                _current = compute();
                _position = input.Position;
            }
            return _current;
        }

        public override Delegate Getter(int addedIndex) => isBool[addedIndex]
            ? (ValueGetter<bool>)((ref bool v) => v = (bool)Current()[addedIndex])
            : (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = ((string)Current()[addedIndex]).AsMemory());
    }
}
