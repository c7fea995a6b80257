using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.DataViews;

/// <summary>
/// A columnar, in-memory <see cref="IDataView"/> of any ML.NET column types (text, numbers, booleans, keys, vectors),
/// with annotations kept. Row-level data steps (deduplication, balancing, augmentation, chunking) build their output
/// with it: <see cref="Materialize"/> a view, pick rows with <see cref="SelectRows"/>, replace or add columns with
/// <see cref="WithColumn{T}"/>.
/// </summary>
public sealed class InMemoryDataView : IDataView
{
    readonly Array[] _columns; // one T[] per schema column, T the column's raw type (VBuffer<TItem> for vectors)

    InMemoryDataView(DataViewSchema schema, Array[] columns, int rowCount)
    {
        Schema = schema;
        _columns = columns;
        RowCount = rowCount;
    }

    /// <summary>The number of rows.</summary>
    public int RowCount { get; }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }

    /// <inheritdoc/>
    public bool CanShuffle => true;

    /// <inheritdoc/>
    public long? GetRowCount() => RowCount;

    /// <summary>Reads every row of every (visible) column of <paramref name="source"/> into memory.</summary>
    public static InMemoryDataView Materialize(IDataView source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source is InMemoryDataView mem) return mem;
        var builder = new DataViewSchema.Builder();
        var cols = source.Schema.Where(c => !c.IsHidden).ToArray();
        foreach (var c in cols) builder.AddColumn(c.Name, c.Type, c.Annotations);
        var lists = cols.Select(c => NewList(c.Type.RawType)).ToArray();
        using (var cursor = source.GetRowCursor(cols))
        {
            var readers = cols.Select((c, i) => MakeReader(cursor, c, lists[i])).ToArray();
            while (cursor.MoveNext())
                foreach (var r in readers) r();
        }
        var arrays = lists.Select(ToArray).ToArray();
        int n = arrays.Length == 0 ? (int)(source.GetRowCount() ?? 0) : arrays[0].Length;
        return new InMemoryDataView(builder.ToSchema(), arrays, n);
    }

    /// <summary>A view of one text column (and optionally more) made from arrays, e.g. for tests and samples.</summary>
    public static InMemoryDataView FromColumns(params (string Name, DataViewType Type, Array Values)[] columns)
    {
        if (columns.Length == 0) throw new ArgumentException("At least one column is needed.", nameof(columns));
        var builder = new DataViewSchema.Builder();
        int n = columns[0].Values.Length;
        foreach (var (name, type, values) in columns)
        {
            if (values.GetType().GetElementType() != type.RawType)
                throw new ArgumentException($"Column '{name}': values are {values.GetType().GetElementType()?.Name}[], but type {type} needs {type.RawType.Name}[].");
            if (values.Length != n)
                throw new ArgumentException($"Column '{name}' has {values.Length} rows; column '{columns[0].Name}' has {n}.");
            builder.AddColumn(name, type);
        }
        return new InMemoryDataView(builder.ToSchema(), columns.Select(c => c.Values).ToArray(), n);
    }

    /// <summary>The values of a column, by name. For text columns T is <see cref="ReadOnlyMemory{T}"/> of char.</summary>
    public T[] GetColumn<T>(string name)
    {
        var col = Schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found.");
        if (_columns[col.Index] is not T[] values)
            throw new InvalidOperationException($"Column '{name}' holds {col.Type} ({col.Type.RawType.Name}), not {typeof(T).Name}.");
        return values;
    }

    /// <summary>The text of a text column as strings.</summary>
    public string[] GetTextColumn(string name) => GetColumn<ReadOnlyMemory<char>>(name).Select(m => m.ToString()).ToArray();

    /// <summary>A new view with the given rows, in the given order; an index may repeat (oversampling).</summary>
    public InMemoryDataView SelectRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var cols = new Array[_columns.Length];
        for (int c = 0; c < _columns.Length; c++)
        {
            var src = _columns[c];
            var dst = Array.CreateInstance(src.GetType().GetElementType()!, rows.Count);
            for (int i = 0; i < rows.Count; i++)
            {
                int r = rows[i];
                if ((uint)r >= (uint)RowCount) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is outside 0..{RowCount - 1}.");
                dst.SetValue(src.GetValue(r), i);
            }
            cols[c] = dst;
        }
        return new InMemoryDataView(Schema, cols, rows.Count);
    }

    /// <summary>Appends the rows of <paramref name="other"/>, which must have the same column names and types.</summary>
    public InMemoryDataView Concat(InMemoryDataView other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Schema.Count != Schema.Count)
            throw new ArgumentException($"Cannot append a view with {other.Schema.Count} columns to one with {Schema.Count}.");
        var cols = new Array[_columns.Length];
        for (int c = 0; c < _columns.Length; c++)
        {
            var a = Schema[c]; var b = other.Schema[c];
            if (a.Name != b.Name || !a.Type.Equals(b.Type))
                throw new ArgumentException($"Column {c}: '{a.Name}' ({a.Type}) vs '{b.Name}' ({b.Type}).");
            var dst = Array.CreateInstance(_columns[c].GetType().GetElementType()!, RowCount + other.RowCount);
            Array.Copy(_columns[c], 0, dst, 0, RowCount);
            Array.Copy(other._columns[c], 0, dst, RowCount, other.RowCount);
            cols[c] = dst;
        }
        return new InMemoryDataView(Schema, cols, RowCount + other.RowCount);
    }

    /// <summary>A new view where column <paramref name="name"/> holds <paramref name="values"/> (replaced if present, else added).</summary>
    public InMemoryDataView WithColumn<T>(string name, DataViewType type, T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (type.RawType != typeof(T)) throw new ArgumentException($"Type {type} holds {type.RawType.Name}, not {typeof(T).Name}.");
        if (values.Length != RowCount) throw new ArgumentException($"Column '{name}' has {values.Length} values; the view has {RowCount} rows.");
        var builder = new DataViewSchema.Builder();
        var cols = new List<Array>();
        bool replaced = false;
        foreach (var c in Schema)
        {
            if (c.Name == name)
            {
                builder.AddColumn(name, type, type.Equals(c.Type) ? c.Annotations : null);
                cols.Add(values);
                replaced = true;
            }
            else
            {
                builder.AddColumn(c.Name, c.Type, c.Annotations);
                cols.Add(_columns[c.Index]);
            }
        }
        if (!replaced) { builder.AddColumn(name, type); cols.Add(values); }
        return new InMemoryDataView(builder.ToSchema(), cols.ToArray(), RowCount);
    }

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int[]? order = null;
        if (rand != null)
        {
            order = Enumerable.Range(0, RowCount).ToArray();
            for (int i = order.Length - 1; i > 0; i--) { int j = rand.Next(i + 1); (order[i], order[j]) = (order[j], order[i]); }
        }
        var active = new bool[Schema.Count];
        foreach (var c in columnsNeeded) active[c.Index] = true;
        return new Cursor(this, order, active);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    static readonly MethodInfo NewListMethod = typeof(InMemoryDataView).GetMethod(nameof(NewListT), BindingFlags.NonPublic | BindingFlags.Static)!;
    static readonly MethodInfo MakeReaderMethod = typeof(InMemoryDataView).GetMethod(nameof(MakeReaderT), BindingFlags.NonPublic | BindingFlags.Static)!;

    static System.Collections.IList NewList(Type t) => (System.Collections.IList)NewListMethod.MakeGenericMethod(t).Invoke(null, null)!;
    static List<T> NewListT<T>() => [];

    static Array ToArray(System.Collections.IList list)
    {
        var arr = Array.CreateInstance(list.GetType().GetGenericArguments()[0], list.Count);
        list.CopyTo(arr, 0);
        return arr;
    }

    static Action MakeReader(DataViewRow row, DataViewSchema.Column col, System.Collections.IList list)
    {
        var raw = col.Type.RawType;
        if (raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>))
        {
            var m = typeof(InMemoryDataView).GetMethod(nameof(MakeVectorReaderT), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(raw.GetGenericArguments()[0]);
            return (Action)m.Invoke(null, [row, col, list])!;
        }
        return (Action)MakeReaderMethod.MakeGenericMethod(raw).Invoke(null, [row, col, list])!;
    }

    static Action MakeReaderT<T>(DataViewRow row, DataViewSchema.Column col, List<T> list)
    {
        var getter = row.GetGetter<T>(col);
        return () => { T value = default!; getter(ref value); list.Add(value); };
    }

    static Action MakeVectorReaderT<TItem>(DataViewRow row, DataViewSchema.Column col, List<VBuffer<TItem>> list)
    {
        var getter = row.GetGetter<VBuffer<TItem>>(col);
        return () =>
        {
            VBuffer<TItem> value = default;
            getter(ref value);
            VBuffer<TItem> copy = default;
            value.CopyTo(ref copy); // the cursor reuses its buffers
            list.Add(copy);
        };
    }

    sealed class Cursor(InMemoryDataView view, int[]? order, bool[] active) : DataViewRowCursor
    {
        long _position = -1;
        int Row => order == null ? (int)_position : order[_position];

        public override DataViewSchema Schema => view.Schema;
        public override long Position => _position;
        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= view.RowCount) { _position = view.RowCount; return false; }
            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) => id = new DataViewRowId((ulong)Row, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' was not requested from this cursor.");
            if (view._columns[column.Index] is not TValue[] values)
                throw new InvalidOperationException($"Column '{column.Name}' is {column.Type.RawType.Name}, not {typeof(TValue).Name}.");
            if (values is VBuffer<float>[] || typeof(TValue).IsGenericType && typeof(TValue).GetGenericTypeDefinition() == typeof(VBuffer<>))
                return VectorGetter<TValue>(values);
            return (ref TValue value) => value = values[Row];
        }

        ValueGetter<TValue> VectorGetter<TValue>(TValue[] values)
        {
            // Consumers may write into the buffer they receive: hand out copies of vectors, never our storage.
            var copier = typeof(Cursor).GetMethod(nameof(CopyVector), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(typeof(TValue).GetGenericArguments()[0]);
            var copy = (Func<object, object, object>)Delegate.CreateDelegate(typeof(Func<object, object, object>), copier);
            return (ref TValue value) => value = (TValue)copy(values[Row]!, value!);
        }

        static object CopyVector<TItem>(object src, object dst)
        {
            var d = dst is VBuffer<TItem> v ? v : default;
            ((VBuffer<TItem>)src).CopyTo(ref d);
            return d;
        }
    }
}
