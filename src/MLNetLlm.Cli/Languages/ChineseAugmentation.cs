using MLNetLlm.Chinese.Segmentation;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.Languages;

namespace MLNetLlm.Cli.Languages;

/// <summary><c>augment --language zh</c> (or detected): EDA on jieba words, with the user's Chinese synonym groups.</summary>
internal static class ChineseAugmentation
{
    /// <summary>Turns English augmentation options into Chinese ones; errors name the option at fault.</summary>
    public static void Configure(AugmentationOptions options)
    {
        if (options.WordNetPath != null)
            throw new CliException("--wordnet is an English synonym source; Chinese text needs Chinese synonym groups in --synonyms (one group per line).");
        if (options.SynonymFile == null && (options.SynonymReplacementRate > 0 || options.RandomInsertionRate > 0))
            throw new CliException("Chinese text has no bundled synonyms: give --synonyms FILE (one group of synonyms per line, e.g. '高兴 开心 快乐'), or use only --ops swap --ops delete.");
        options.Language = TextLanguage.Chinese;
        options.ChineseSynonymFile = options.SynonymFile;
        options.SynonymFile = null;
        options.Segmenter = JiebaWordSegmenter.Create();
    }
}
