using SparseCircuits.Dictionaries;

namespace SparseCircuits.Tests.Dictionaries;

/// <summary>The ReLU selection keeps exactly the entries a scalar <c>x &gt; 0</c> keeps, in order, for lengths around
/// the vector widths and for zeros, −0, NaN, infinities and subnormals.</summary>
public sealed class ReluSelectPositiveTests
{
    [Fact]
    public void KeepsExactlyTheEntriesAboveZero()
    {
        var rng = new Random(4);
        float[] special = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1e-30f];
        for (int length = 0; length <= 70; length++)
        {
            for (int trial = 0; trial < 4; trial++)
            {
                var pre = new float[length];
                double positive = trial * 0.3;
                for (int i = 0; i < length; i++)
                    pre[i] = rng.NextDouble() < 0.15 ? special[rng.Next(special.Length)] : (float)(rng.NextDouble() - 1 + positive);
                var indices = new int[length];
                var values = new float[length];

                int count = ReluSae.SelectPositive(pre, indices, values);

                var want = Enumerable.Range(0, length).Where(i => pre[i] > 0f).ToArray();
                Assert.Equal(want, indices[..count]);
                Assert.Equal(want.Select(i => pre[i]).ToArray(), values[..count]);
            }
        }
    }
}
