namespace MLNetLlm.Mapping;

/// <summary>The values of a mapper's added columns over one input row or cursor.</summary>
internal abstract class AddedValues : IDisposable
{
    /// <summary>A <c>ValueGetter&lt;T&gt;</c> for added column <paramref name="addedIndex"/> (0 = the first added column), T its raw type.</summary>
    public abstract Delegate Getter(int addedIndex);

    /// <summary>Called after the input cursor moved to its next row (batched values advance here).</summary>
    public virtual void Moved() { }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}

/// <summary>Added values computed by one getter factory per added column, created on first use.</summary>
internal sealed class LazyAddedValues(int count, Func<int, Delegate> create) : AddedValues
{
    readonly Delegate?[] _getters = new Delegate?[count];

    public override Delegate Getter(int addedIndex) => _getters[addedIndex] ??= create(addedIndex);
}
