// Makes TorchSharp's native library load on distributions whose libstdc++ is older than the one it was linked against.
//
// libLibTorchSharp.so (TorchSharp 0.107) lists GLIBCXX_3.4.32 in its .gnu.version_r (version needs) section. The only
// symbol bound to that version is _ZSt21ios_base_library_initv and nothing relocates against it, so marking that one
// Vernaux entry VER_FLG_WEAK (0x2) lets the dynamic loader accept an older libstdc++ (e.g. Debian 12's 3.4.30).
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (build/TorchSharpNative.targets) as the build task,
// and into the Torch test project (with MLNETLLM_TESTS defined) so the tests can check what the build did.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace MLNetLlm.Build
{
    /// <summary>Reads and edits the version-needs entries of a 64-bit little-endian ELF shared object.</summary>
    public static class ElfVersionNeeds
    {
        public const ushort VerFlgWeak = 0x2;
        const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>One Vernaux entry: the library that needs it, the version name, its flags and its byte offset.</summary>
        public readonly struct Entry
        {
            public Entry(string file, string version, ushort flags, long flagsOffset)
            { File = file; Version = version; Flags = flags; FlagsOffset = flagsOffset; }
            public string File { get; }
            public string Version { get; }
            public ushort Flags { get; }
            public long FlagsOffset { get; }
            public bool IsWeak => (Flags & VerFlgWeak) != 0;
        }

        /// <summary>All version-need entries of an ELF image; throws InvalidDataException on a malformed file.</summary>
        public static List<Entry> Read(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
            long shoff = (long)U64(elf, 0x28);
            int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
            var result = new List<Entry>();
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
                long offset = (long)U64(elf, sh + 0x18);
                uint link = U32(elf, sh + 0x28), count = U32(elf, sh + 0x2C);
                long strtab = (long)U64(elf, shoff + (long)link * shentsize + 0x18);
                long vn = offset;
                for (uint n = 0; n < count; n++)
                {
                    int cnt = U16(elf, vn + 2);
                    string file = CString(elf, strtab + U32(elf, vn + 4));
                    long aux = vn + U32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        result.Add(new Entry(file, CString(elf, strtab + U32(elf, aux + 8)), (ushort)U16(elf, aux + 4), aux + 4));
                        uint nextAux = U32(elf, aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = U32(elf, vn + 12);
                    if (next == 0) break;
                    vn += next;
                }
            }
            return result;
        }

        /// <summary>Sets VER_FLG_WEAK on every entry whose version is in <paramref name="versions"/>; returns how many changed.</summary>
        public static int MakeWeak(byte[] elf, ICollection<string> versions)
        {
            int changed = 0;
            foreach (var e in Read(elf))
            {
                if (!versions.Contains(e.Version) || e.IsWeak) continue;
                ushort flags = (ushort)(e.Flags | VerFlgWeak);
                elf[e.FlagsOffset] = (byte)(flags & 0xff);
                elf[e.FlagsOffset + 1] = (byte)(flags >> 8);
                changed++;
            }
            return changed;
        }

        /// <summary>
        /// The libstdc++.so.6 the dynamic loader would pick: LD_LIBRARY_PATH first, then the ldconfig cache, then the
        /// usual directories. Null when none is found (not Linux, or a static toolchain).
        /// </summary>
        public static string? FindSystemLibStdCxx()
        {
            var candidates = new List<string>();
            foreach (var dir in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':'))
                if (dir.Length > 0) candidates.Add(Path.Combine(dir, "libstdc++.so.6"));
            foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "/bin/ldconfig" })
            {
                if (!File.Exists(ldconfig)) continue;
                try
                {
                    var psi = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                    using var p = Process.Start(psi)!;
                    string output = p.StandardOutput.ReadToEnd();
                    p.WaitForExit();
                    foreach (var line in output.Split('\n'))
                    {
                        var t = line.Trim();
                        if (!t.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal) || !t.Contains("x86-64")) continue;
                        int arrow = t.IndexOf("=>", StringComparison.Ordinal);
                        if (arrow > 0) candidates.Add(t.Substring(arrow + 2).Trim());
                    }
                }
                catch (Exception) { /* fall through to the usual directories */ }
                break;
            }
            candidates.AddRange(new[] { "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" });
            foreach (var c in candidates)
                if (File.Exists(c)) return c;
            return null;
        }

        /// <summary>Whether the shared library defines the given symbol version (e.g. GLIBCXX_3.4.32).</summary>
        public static bool DefinesVersion(string library, string version)
        {
            byte[] bytes = File.ReadAllBytes(library);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            return IndexOf(bytes, needle) >= 0;
        }

        /// <summary>
        /// Patches <paramref name="path"/> in place when the system libstdc++ lacks any of <paramref name="versions"/>.
        /// Writes a new file (never through a hard link, so NuGet's cache copy stays untouched). Returns a log line.
        /// </summary>
        public static string PatchIfNeeded(string path, IReadOnlyList<string> versions, string? systemLibStdCxx)
        {
            if (systemLibStdCxx == null) return $"{path}: no system libstdc++.so.6 found; left untouched";
            var missing = new HashSet<string>(StringComparer.Ordinal);
            foreach (var v in versions)
                if (!DefinesVersion(systemLibStdCxx, v)) missing.Add(v);
            if (missing.Count == 0) return $"{path}: {systemLibStdCxx} has {string.Join(", ", versions)}; left untouched";
            byte[] elf = File.ReadAllBytes(path);
            int changed = MakeWeak(elf, missing);
            if (changed == 0) return $"{path}: already patched (or does not need {string.Join(", ", missing)})";
            string tmp = path + ".patching";
            File.WriteAllBytes(tmp, elf);
            File.Delete(path);
            File.Move(tmp, path);
            return $"{path}: {systemLibStdCxx} lacks {string.Join(", ", missing)}; marked {changed} version need(s) weak";
        }

        static int IndexOf(byte[] hay, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= hay.Length; i++)
            {
                if (hay[i] != needle[0]) continue;
                int j = 1;
                while (j < needle.Length && hay[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        static int U16(byte[] b, long o) => Check(b, o, 2) | b[o] | (b[o + 1] << 8);
        static uint U32(byte[] b, long o) => (uint)(Check(b, o, 4) | b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));
        static ulong U64(byte[] b, long o) => U32(b, o) | ((ulong)U32(b, o + 4) << 32);
        static int Check(byte[] b, long o, int n)
        {
            if (o < 0 || o + n > b.Length) throw new InvalidDataException($"ELF structure points outside the file (offset {o})");
            return 0;
        }
        static string CString(byte[] b, long o)
        {
            long end = o;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
        }
    }

#if !MLNETLLM_TESTS
    /// <summary>MSBuild task: patch each given native library if the system libstdc++ needs it.</summary>
    public sealed class PatchGlibcxxVersionNeeds : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();
        public string Versions { get; set; } = "GLIBCXX_3.4.32";

        public override bool Execute()
        {
            if (Files.Length == 0) return true;
            string? lib = ElfVersionNeeds.FindSystemLibStdCxx();
            var versions = Versions.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries);
            foreach (var f in Files)
            {
                try { Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, ElfVersionNeeds.PatchIfNeeded(f.ItemSpec, versions, lib)); }
                catch (Exception ex) { Log.LogWarning($"Could not patch {f.ItemSpec}: {ex.Message}"); }
            }
            return true;
        }
    }
#endif
}
