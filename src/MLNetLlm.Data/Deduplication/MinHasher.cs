using System.Numerics;
using System.Runtime.CompilerServices;

namespace MLNetLlm.Data.Deduplication;

/// <summary>
/// MinHash signatures of a text's shingle set. Shingles are hashed once (a rolling hash over word hashes or
/// characters, linear in the text); each permutation is <c>h_i(x) = mix32(a_i·x + b_i)</c> with a random odd
/// <c>a_i</c> (a bijection of 32-bit values), evaluated for a SIMD vector of permutations at a time.
/// </summary>
internal sealed class MinHasher
{
    const ulong Base = 0x100000001B3UL; // odd multiplier of the rolling polynomial hash
    readonly uint[] _a, _b;

    public MinHasher(int numPermutations, int seed)
    {
        NumPermutations = numPermutations;
        int padded = (numPermutations + Vector<uint>.Count - 1) / Vector<uint>.Count * Vector<uint>.Count;
        _a = new uint[padded];
        _b = new uint[padded];
        var rng = new Random(seed);
        for (int i = 0; i < padded; i++)
        {
            _a[i] = (uint)rng.NextInt64(0, uint.MaxValue) | 1u;
            _b[i] = (uint)rng.NextInt64(0, uint.MaxValue);
        }
    }

    public int NumPermutations { get; }

    /// <summary>Length of the buffer <see cref="Compute"/> writes (a multiple of the SIMD width).</summary>
    public int PaddedLength => _a.Length;

    /// <summary>Fills <paramref name="signature"/> (length <see cref="PaddedLength"/>); returns false when the text has no shingle (no word, or empty).</summary>
    public bool Compute(ReadOnlySpan<char> text, ShingleUnit unit, int k, Span<uint> signature)
    {
        signature.Fill(uint.MaxValue);
        return unit == ShingleUnit.Word ? WordShingles(text, k, signature) : CharacterShingles(text, k, signature);
    }

    bool WordShingles(ReadOnlySpan<char> text, int k, Span<uint> sig)
    {
        Span<ulong> ring = k <= 64 ? stackalloc ulong[64] : new ulong[k];
        ulong basePowK = Pow(Base, k);
        ulong rolling = 0;
        int words = 0, i = 0;
        while (i < text.Length)
        {
            int ideograph = 0;
            while (i < text.Length && !char.IsLetterOrDigit(text[i]) && (ideograph = IdeographLength(text, i)) == 0) i++;
            if (i >= text.Length) break;
            ulong h = 0xcbf29ce484222325UL;
            if ((ideograph = IdeographLength(text, i)) > 0)
            {
                // Chinese and Japanese write no spaces: each ideograph or kana is a word, so word k-grams are character k-grams.
                for (int end = i + ideograph; i < end; i++) h = (h ^ text[i]) * 0x100000001B3UL;
            }
            else
                while (i < text.Length && char.IsLetterOrDigit(text[i]) && IdeographLength(text, i) == 0) { h = (h ^ text[i]) * 0x100000001B3UL; i++; }
            h = Mix64(h);
            rolling = rolling * Base + h;
            if (words >= k) rolling -= ring[words % k] * basePowK;
            ring[words % k] = h;
            words++;
            if (words >= k) Update(Fold(Mix64(rolling)), sig);
        }
        if (words == 0) return false;
        if (words < k) Update(Fold(Mix64(rolling)), sig); // a short text is one shingle
        return true;
    }

    bool CharacterShingles(ReadOnlySpan<char> text, int k, Span<uint> sig)
    {
        if (text.IsEmpty) return false;
        if (text.Length <= k)
        {
            ulong whole = 0;
            foreach (char c in text) whole = whole * Base + c;
            Update(Fold(Mix64(whole)), sig);
            return true;
        }
        ulong basePowK = Pow(Base, k);
        ulong rolling = 0;
        for (int i = 0; i < text.Length; i++)
        {
            rolling = rolling * Base + text[i];
            if (i >= k) rolling -= text[i - k] * basePowK;
            if (i >= k - 1) Update(Fold(Mix64(rolling)), sig);
        }
        return true;
    }

    /// <summary>UTF-16 length of the Han ideograph or kana at <paramref name="i"/> (1, or 2 for a supplementary ideograph); 0 when it is none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int IdeographLength(ReadOnlySpan<char> text, int i)
    {
        char c = text[i];
        if (c < '\u3040') return 0;
        if (c is (>= '\u3040' and <= '\u30FF') or (>= '\u3400' and <= '\u4DBF') or (>= '\u4E00' and <= '\u9FFF') or (>= '\uF900' and <= '\uFAFF')) return 1;
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            return char.ConvertToUtf32(c, text[i + 1]) is >= 0x20000 and <= 0x323AF ? 2 : 0;
        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Update(uint x, Span<uint> sig)
    {
        var vx = new Vector<uint>(x);
        var m1 = new Vector<uint>(0x7feb352dU);
        var m2 = new Vector<uint>(0x846ca68bU);
        var a = _a.AsSpan();
        var b = _b.AsSpan();
        int w = Vector<uint>.Count;
        for (int i = 0; i < a.Length; i += w)
        {
            var v = new Vector<uint>(a.Slice(i, w)) * vx + new Vector<uint>(b.Slice(i, w));
            v ^= Vector.ShiftRightLogical(v, 16);
            v *= m1;
            v ^= Vector.ShiftRightLogical(v, 15);
            v *= m2;
            v ^= Vector.ShiftRightLogical(v, 16);
            var s = sig.Slice(i, w);
            Vector.Min(new Vector<uint>(s), v).CopyTo(s);
        }
    }

    static ulong Pow(ulong b, int e)
    {
        ulong r = 1;
        for (int i = 0; i < e; i++) r *= b;
        return r;
    }

    /// <summary>SplitMix64's finalizer: spreads every input bit over the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint Fold(ulong h) => (uint)(h ^ (h >> 32));
}
