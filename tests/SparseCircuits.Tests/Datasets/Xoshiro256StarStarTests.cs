using SparseCircuits.Datasets.Agreement;

namespace SparseCircuits.Tests.Datasets;

public class Xoshiro256StarStarTests
{
    [Fact]
    public void SplitMix64_matches_the_reference_sequence_for_seed_zero()
    {
        // Vigna's splitmix64.c from state 0.
        ulong state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, Xoshiro256StarStar.SplitMix64(ref state));
        Assert.Equal(0x6E789E6AA1B965F4UL, Xoshiro256StarStar.SplitMix64(ref state));
        Assert.Equal(0x06C45D188009454FUL, Xoshiro256StarStar.SplitMix64(ref state));
    }

    [Fact]
    public void Xoshiro_matches_an_independent_python_implementation()
    {
        // Values from a separate Python transcription of xoshiro256** seeded by four SplitMix64 outputs.
        var rng = new Xoshiro256StarStar(1);
        Assert.Equal(
            [0xB3F2AF6D0FC710C5UL, 0x853B559647364CEAUL, 0x92F89756082A4514UL, 0x642E1C7BC266A3A7UL, 0xB27A48E29A233673UL],
            Enumerable.Range(0, 5).Select(_ => rng.NextUInt64()));
        var other = new Xoshiro256StarStar(12345);
        Assert.Equal(
            [13720838825685603483UL, 2398916695208396998UL, 17770384849984869256UL],
            Enumerable.Range(0, 3).Select(_ => other.NextUInt64()));
    }

    [Fact]
    public void NextBelow_is_uniform_by_a_chi_square_test()
    {
        const int bound = 7, draws = 70_000;
        var rng = new Xoshiro256StarStar(42);
        var counts = new int[bound];
        for (var i = 0; i < draws; i++) counts[rng.NextBelow(bound)]++;
        var expected = draws / (double)bound;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 22.46, $"chi-square {chiSquare:F2} over 6 degrees of freedom (p = 0.001 cut-off 22.46)");
    }

    [Fact]
    public void Shuffle_is_a_permutation_and_streams_differ_by_name_and_seed()
    {
        var items = Enumerable.Range(0, 100).ToList();
        Xoshiro256StarStar.ForStream(1, "a").Shuffle(items);
        Assert.Equal(Enumerable.Range(0, 100), items.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), items);

        ulong First(int seed, string name) => Xoshiro256StarStar.ForStream(seed, name).NextUInt64();
        Assert.Equal(First(1, "corpus"), First(1, "corpus"));
        Assert.NotEqual(First(1, "corpus"), First(1, "nounpp"));
        Assert.NotEqual(First(1, "corpus"), First(2, "corpus"));
    }
}
