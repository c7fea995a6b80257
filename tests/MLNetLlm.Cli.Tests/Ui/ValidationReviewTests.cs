using MLNetLlm.Cli.Ui;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>The evaluate page's curves against values worked out by hand (ties taken together).</summary>
public sealed class ValidationReviewTests
{
    // probability of the positive class, and whether the row is positive: 0.7 is a tie of a positive and a negative
    static readonly (double P, bool Positive)[] Scored = [(0.9, true), (0.8, false), (0.7, true), (0.7, false), (0.4, true), (0.2, false)];

    static ValidationReview Review() => new()
    {
        Rows = Scored.Select((s, i) => new ValidationReview.Row(i + 2, s.Positive ? "spam" : "ham", s.P >= 0.5 ? "spam" : "ham", s.Positive ? 1 - s.P : s.P,
            s.Positive != s.P >= 0.5, "text", s.P, s.Positive)).ToList(),
    };

    [Fact]
    public void PrecisionRecallTakesTiesTogetherAndAveragePrecisionSumsRecallSteps()
    {
        var (recall, precision) = Review().PrecisionRecall()!.Value;
        Assert.Equal([1 / 3.0, 1 / 3.0, 2 / 3.0, 1, 1], recall, new Close());
        Assert.Equal([1, 0.5, 0.5, 0.6, 0.5], precision, new Close());
        // 1/3 × 1 + 1/3 × 0.5 + 1/3 × 0.6
        Assert.Equal(0.7, ValidationReview.AveragePrecision(recall, precision), 12);
    }

    [Fact]
    public void RocAreaEqualsTheShareOfCorrectlyOrderedPairs()
    {
        var (fpr, tpr) = Review().Roc()!.Value;
        Assert.Equal([0, 0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1], fpr, new Close());
        Assert.Equal([0, 1 / 3.0, 1 / 3.0, 2 / 3.0, 1, 1], tpr, new Close());
        // of the 9 positive-negative pairs, 5 are ordered right and 1 is a tie (half): 5.5 / 9
        Assert.Equal(5.5 / 9, ValidationReview.Area(fpr, tpr), 12);
    }

    [Fact]
    public void OneClassHasNoCurves()
    {
        var review = new ValidationReview { Rows = [new(2, "spam", "spam", 0.1, false, "t", 0.9, true), new(3, "spam", "ham", 0.6, true, "t", 0.4, true)] };
        Assert.Null(review.PrecisionRecall());
        Assert.Null(review.Roc());
        Assert.Null(review.PrecisionRecallChart());
    }

    sealed class Close : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-12;
        public int GetHashCode(double v) => 0;
    }
}
