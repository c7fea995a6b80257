namespace MLNetLlm.Fairness;

/// <summary>How <see cref="FairnessCatalog"/> audits a label with more than two values.</summary>
public enum MulticlassFairness
{
    /// <summary>
    /// One binary audit per class: that class is "positive", every other class "negative" (one-vs-rest), with all the
    /// binary metrics and disparities for each class.
    /// </summary>
    OneVsRest,

    /// <summary>One audit with count and accuracy per group (and the accuracy difference/ratio); no selection-rate metrics.</summary>
    AccuracyOnly,
}
