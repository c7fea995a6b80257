using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace MLNetLlm.Torch.Pretrained;

/// <summary>
/// Reads embedded manifest resources straight from an assembly file's metadata and resource section, without loading
/// (let alone running) the assembly.
/// </summary>
internal static class ManifestResources
{
    /// <summary>Names and sizes of the resources embedded in <paramref name="assemblyPath"/>.</summary>
    public static IReadOnlyList<(string Name, long Length)> List(string assemblyPath) =>
        Locate(assemblyPath).Select(r => (r.Name, r.Length)).ToList();

    /// <summary>Copies resource <paramref name="name"/> of <paramref name="assemblyPath"/> to <paramref name="destination"/>.</summary>
    public static void Extract(string assemblyPath, string name, string destination)
    {
        var all = Locate(assemblyPath);
        var found = all.FirstOrDefault(r => r.Name == name);
        if (found.Name is null)
            throw new InvalidDataException($"'{assemblyPath}' has no embedded resource '{name}' (it has: {string.Join(", ", all.Select(r => r.Name))}).");
        using var src = File.OpenRead(assemblyPath);
        src.Position = found.Offset;
        using var dst = File.Create(destination);
        var buffer = new byte[1 << 20];
        long left = found.Length;
        while (left > 0)
        {
            int n = src.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) throw new InvalidDataException($"'{assemblyPath}' ends inside resource '{name}'.");
            dst.Write(buffer, 0, n);
            left -= n;
        }
    }

    static List<(string Name, long Offset, long Length)> Locate(string assemblyPath)
    {
        if (!File.Exists(assemblyPath)) throw new FileNotFoundException($"Assembly '{assemblyPath}' does not exist.", assemblyPath);
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null) throw new InvalidDataException($"'{assemblyPath}' is not a .NET assembly.");
            var md = pe.GetMetadataReader();
            var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
            if (directory.Size == 0 || !pe.PEHeaders.TryGetDirectoryOffset(directory, out int start)) return [];
            var result = new List<(string, long, long)>();
            Span<byte> len = stackalloc byte[4];
            foreach (var handle in md.ManifestResources)
            {
                var r = md.GetManifestResource(handle);
                if (!r.Implementation.IsNil) continue; // linked or in another assembly, not embedded
                long at = start + r.Offset;
                stream.Position = at;
                stream.ReadExactly(len);
                long length = BinaryPrimitives.ReadUInt32LittleEndian(len);
                if (at + 4 + length > stream.Length) throw new InvalidDataException($"'{assemblyPath}': resource '{md.GetString(r.Name)}' runs past the end of the file.");
                result.Add((md.GetString(r.Name), at + 4, length));
            }
            return result;
        }
        catch (BadImageFormatException ex)
        {
            throw new InvalidDataException($"'{assemblyPath}' is not a readable .NET assembly: {ex.Message}", ex);
        }
    }
}
