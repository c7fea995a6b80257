using MLNetLlm.Data.Augmentation;

namespace MLNetLlm.Data.Tests.Augmentation;

public class SynonymDictionaryTests
{
    // Lines in the WordNet 3.x data-file layout (written for this test; the header line starts with two spaces).
    const string DataAdj = """
          1 This is a made-up header line, as in WordNet's license block.
        00001740 00 a 02 cheap 0 inexpensive 0 001 ! 00002098 a 0101 | relatively low in price
        00002098 00 s 03 free(a) 0 gratis 0 complimentary 1 000 | costing nothing
        """;
    const string DataVerb = """
        00001740 29 v 03 buy 0 purchase 0 take_in 2 000 01 + 02 00 | obtain by purchase
        """;

    [Fact]
    public void ParsesWordnetDataFiles()
    {
        string dir = Directory.CreateTempSubdirectory("wordnet-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "data.adj"), DataAdj);
            File.WriteAllText(Path.Combine(dir, "data.verb"), DataVerb);
            var d = SynonymDictionary.LoadWordNet(dir);
            Assert.Equal(["inexpensive"], d.Synonyms("cheap"));
            Assert.Equal(["complimentary", "gratis"], d.Synonyms("FREE"));
            Assert.Equal(["buy", "purchase"], d.Synonyms("take in"));
            Assert.Empty(d.Synonyms("zebra"));
            Assert.Equal(8, d.Count);

            File.WriteAllText(Path.Combine(dir, "data.noun"), "00001 03 n zz broken\n");
            var ex = Assert.Throws<InvalidDataException>(() => SynonymDictionary.LoadWordNet(dir));
            Assert.Contains("data.noun", ex.Message);
            Assert.Contains("line 1", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ReadsGroupFilesAndTheBundledList()
    {
        Assert.Contains("inexpensive", SynonymDictionary.Bundled.Synonyms("cheap"));
        Assert.True(SynonymDictionary.Bundled.Count > 200);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# comment\nbig, large\thuge\n\nfast,quick # trailing comment\n");
            var d = SynonymDictionary.Load(path);
            Assert.Equal(["big", "large"], d.Synonyms("huge"));
            Assert.Equal(["quick"], d.Synonyms("fast"));
            File.WriteAllText(path, "big, large\nlonely\n");
            var ex = Assert.Throws<InvalidDataException>(() => SynonymDictionary.Load(path));
            Assert.Contains("line 2", ex.Message);
        }
        finally { File.Delete(path); }
        Assert.Throws<FileNotFoundException>(() => SynonymDictionary.Load("/no/such/file.txt"));
        Assert.Throws<DirectoryNotFoundException>(() => SynonymDictionary.LoadWordNet("/no/such/dir"));
    }
}
