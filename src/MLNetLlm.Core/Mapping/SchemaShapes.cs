using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Mapping;

/// <summary>
/// <see cref="SchemaShape"/> helpers through ML.NET's public API only: <c>SchemaShape.Create(DataViewSchema)</c> and
/// the <c>SchemaShape.Column</c> constructor are internal to ML.NET 5, so shapes of new columns are produced by the
/// public <c>CustomMapping</c> estimator's <c>GetOutputSchema</c>, driven by a <see cref="SchemaDefinition"/> that
/// carries the columns' names, types and annotation types (the mapping itself never runs).
/// </summary>
internal static class SchemaShapes
{
    static readonly MLContext ShapeContext = new(seed: 0);
    static readonly SchemaShape Empty = new([]);

    /// <summary>The shape of a concrete schema (its visible columns).</summary>
    public static SchemaShape FromSchema(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return Append(Empty, schema.Where(c => !c.IsHidden));
    }

    /// <summary><paramref name="input"/> plus <paramref name="added"/> (an added column replaces a same-named input column, as in the data).</summary>
    public static SchemaShape Append(SchemaShape input, IEnumerable<DataViewSchema.Column> added)
    {
        ArgumentNullException.ThrowIfNull(input);
        var definition = SchemaDefinition.Create(typeof(NoColumns));
        foreach (var c in added) definition.Add(ShapeColumns.Define(c));
        if (definition.Count == 0) return input;
        return ShapeContext.Transforms.CustomMapping<NoColumns, ShapeColumns>(static (_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(input);
    }

    public static SchemaShape.Column? Find(SchemaShape shape, string name)
    {
        for (int i = shape.Count - 1; i >= 0; i--)
            if (shape[i].Name == name) return shape[i];
        return null;
    }

    public static SchemaShape.Column Require(SchemaShape shape, string name, string stepName) =>
        Find(shape, name) ?? throw new ArgumentOutOfRangeException(nameof(shape),
            $"{stepName}: input column '{name}' not found. The data has: {string.Join(", ", shape.Select(c => $"'{c.Name}'"))}.");

    /// <summary><paramref name="shape"/> plus a column <paramref name="output"/> shaped like <paramref name="input"/> (replacing a same-named one).</summary>
    public static SchemaShape WithCopy(SchemaShape shape, string output, string input) =>
        ShapeContext.Transforms.CopyColumns(output, input).GetOutputSchema(shape);

    /// <summary>Whether two shapes have the same columns (name, kind, item type, key-ness and annotation shapes), in any order.</summary>
    public static bool SameColumns(SchemaShape a, SchemaShape b)
    {
        static string Describe(SchemaShape s) => string.Join("\n", s.Select(c =>
            $"{c.Name}|{c.Kind}|{c.ItemType}|{c.IsKey}|{string.Join(",", c.Annotations.Select(x => $"{x.Name}:{x.Kind}:{x.ItemType}:{x.IsKey}").Order())}").Order());
        return Describe(a) == Describe(b);
    }

    /// <summary>No input columns.</summary>
    sealed class NoColumns;

    /// <summary>One member per raw type ML.NET columns can have: each schema column is bound to the member of its raw type.</summary>
    sealed class ShapeColumns
    {
#pragma warning disable CS0649 // never written: only their types matter
        public bool Boolean; public sbyte SByte; public byte Byte; public short Int16; public ushort UInt16; public int Int32; public uint UInt32;
        public long Int64; public ulong UInt64; public float Single; public double Double; public ReadOnlyMemory<char> Text;
        public DateTime DateTime; public DateTimeOffset DateTimeOffset; public TimeSpan TimeSpan; public DataViewRowId RowId;
        public VBuffer<bool> BooleanVector; public VBuffer<sbyte> SByteVector; public VBuffer<byte> ByteVector; public VBuffer<short> Int16Vector;
        public VBuffer<ushort> UInt16Vector; public VBuffer<int> Int32Vector; public VBuffer<uint> UInt32Vector; public VBuffer<long> Int64Vector;
        public VBuffer<ulong> UInt64Vector; public VBuffer<float> SingleVector; public VBuffer<double> DoubleVector;
        public VBuffer<ReadOnlyMemory<char>> TextVector; public VBuffer<DateTime> DateTimeVector; public VBuffer<DateTimeOffset> DateTimeOffsetVector;
        public VBuffer<TimeSpan> TimeSpanVector; public VBuffer<DataViewRowId> RowIdVector;
#pragma warning restore CS0649

        static readonly Dictionary<Type, (string Member, Action<SchemaDefinition.Column, string, DataViewType> Annotate)> ByRawType = new()
        {
            [typeof(bool)] = Entry<bool>(nameof(Boolean)), [typeof(sbyte)] = Entry<sbyte>(nameof(SByte)), [typeof(byte)] = Entry<byte>(nameof(Byte)),
            [typeof(short)] = Entry<short>(nameof(Int16)), [typeof(ushort)] = Entry<ushort>(nameof(UInt16)), [typeof(int)] = Entry<int>(nameof(Int32)),
            [typeof(uint)] = Entry<uint>(nameof(UInt32)), [typeof(long)] = Entry<long>(nameof(Int64)), [typeof(ulong)] = Entry<ulong>(nameof(UInt64)),
            [typeof(float)] = Entry<float>(nameof(Single)), [typeof(double)] = Entry<double>(nameof(Double)),
            [typeof(ReadOnlyMemory<char>)] = Entry<ReadOnlyMemory<char>>(nameof(Text)), [typeof(DateTime)] = Entry<DateTime>(nameof(DateTime)),
            [typeof(DateTimeOffset)] = Entry<DateTimeOffset>(nameof(DateTimeOffset)), [typeof(TimeSpan)] = Entry<TimeSpan>(nameof(TimeSpan)),
            [typeof(DataViewRowId)] = Entry<DataViewRowId>(nameof(RowId)),
            [typeof(VBuffer<bool>)] = Entry<VBuffer<bool>>(nameof(BooleanVector)), [typeof(VBuffer<sbyte>)] = Entry<VBuffer<sbyte>>(nameof(SByteVector)),
            [typeof(VBuffer<byte>)] = Entry<VBuffer<byte>>(nameof(ByteVector)), [typeof(VBuffer<short>)] = Entry<VBuffer<short>>(nameof(Int16Vector)),
            [typeof(VBuffer<ushort>)] = Entry<VBuffer<ushort>>(nameof(UInt16Vector)), [typeof(VBuffer<int>)] = Entry<VBuffer<int>>(nameof(Int32Vector)),
            [typeof(VBuffer<uint>)] = Entry<VBuffer<uint>>(nameof(UInt32Vector)), [typeof(VBuffer<long>)] = Entry<VBuffer<long>>(nameof(Int64Vector)),
            [typeof(VBuffer<ulong>)] = Entry<VBuffer<ulong>>(nameof(UInt64Vector)), [typeof(VBuffer<float>)] = Entry<VBuffer<float>>(nameof(SingleVector)),
            [typeof(VBuffer<double>)] = Entry<VBuffer<double>>(nameof(DoubleVector)),
            [typeof(VBuffer<ReadOnlyMemory<char>>)] = Entry<VBuffer<ReadOnlyMemory<char>>>(nameof(TextVector)),
            [typeof(VBuffer<DateTime>)] = Entry<VBuffer<DateTime>>(nameof(DateTimeVector)),
            [typeof(VBuffer<DateTimeOffset>)] = Entry<VBuffer<DateTimeOffset>>(nameof(DateTimeOffsetVector)),
            [typeof(VBuffer<TimeSpan>)] = Entry<VBuffer<TimeSpan>>(nameof(TimeSpanVector)),
            [typeof(VBuffer<DataViewRowId>)] = Entry<VBuffer<DataViewRowId>>(nameof(RowIdVector)),
        };

        static (string, Action<SchemaDefinition.Column, string, DataViewType>) Entry<T>(string member) =>
            (member, static (column, kind, type) => column.AddAnnotation(kind, default(T)!, type));

        static (string Member, Action<SchemaDefinition.Column, string, DataViewType> Annotate) Lookup(DataViewType type, string what) =>
            ByRawType.TryGetValue(type.RawType, out var entry) ? entry
                : throw new NotSupportedException($"{what} has type {type} (raw type {type.RawType.Name}), which has no SchemaShape mapping.");

        /// <summary>A schema-definition column with <paramref name="column"/>'s name, type and annotation types.</summary>
        public static SchemaDefinition.Column Define(DataViewSchema.Column column)
        {
            // SchemaDefinition.Column has no public constructor: take a fresh one bound to the right member, then rename/retype it.
            string member = Lookup(column.Type, $"Column '{column.Name}'").Member;
            var definition = SchemaDefinition.Create(typeof(ShapeColumns)).Single(c => c.MemberName == member);
            definition.ColumnName = column.Name;
            definition.ColumnType = column.Type;
            foreach (var annotation in column.Annotations.Schema)
                Lookup(annotation.Type, $"Annotation '{annotation.Name}' of column '{column.Name}'").Annotate(definition, annotation.Name, annotation.Type);
            return definition;
        }
    }
}
