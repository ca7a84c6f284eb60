using System.Buffers.Binary;
using SparseCircuits.Tensors.Formats;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Formats;

public class Llama2cCheckpointTests
{
    private static string Stories260K => Paths.SharedPath("data", "models", "stories260K", "stories260K.bin");

    [SharedFact]
    public void Stories260KHeaderAndShapesMatchTheDataReadme()
    {
        var checkpoint = Llama2cCheckpoint.Load(Stories260K);
        Assert.Equal(new Llama2cConfig(64, 172, 5, 8, 4, 512, 512, SharedClassifier: true, Version: 0), checkpoint.Config);
        Assert.Equal(32, checkpoint.Config.KvDim);
        Assert.Equal([512, 64], checkpoint.Weights["tok_embeddings.weight"].ShapeArray);
        Assert.Same(checkpoint.Weights["tok_embeddings.weight"], checkpoint.Weights["output.weight"]);
        for (int l = 0; l < 5; l++)
        {
            Assert.Equal([64], checkpoint.Weights[$"layers.{l}.attention_norm.weight"].ShapeArray);
            Assert.Equal([64, 64], checkpoint.Weights[$"layers.{l}.attention.wq.weight"].ShapeArray);
            Assert.Equal([32, 64], checkpoint.Weights[$"layers.{l}.attention.wk.weight"].ShapeArray);
            Assert.Equal([32, 64], checkpoint.Weights[$"layers.{l}.attention.wv.weight"].ShapeArray);
            Assert.Equal([64, 64], checkpoint.Weights[$"layers.{l}.attention.wo.weight"].ShapeArray);
            Assert.Equal([64], checkpoint.Weights[$"layers.{l}.ffn_norm.weight"].ShapeArray);
            Assert.Equal([172, 64], checkpoint.Weights[$"layers.{l}.feed_forward.w1.weight"].ShapeArray);
            Assert.Equal([64, 172], checkpoint.Weights[$"layers.{l}.feed_forward.w2.weight"].ShapeArray);
            Assert.Equal([172, 64], checkpoint.Weights[$"layers.{l}.feed_forward.w3.weight"].ShapeArray);
        }
        Assert.Equal(1 + 9 * 5 + 1 + 1, checkpoint.Weights.Count);
    }

    /// <summary>Offsets computed here from the README's layout, reading raw bytes: the final norm, a layer-3 wk
    /// row, and the RoPE table the loader skips, whose values are known in closed form (cos of position × frequency).</summary>
    [SharedFact]
    public void Stories260KValuesSitAtTheDocumentedOffsets()
    {
        var bytes = File.ReadAllBytes(Stories260K);
        const int D = 64, H = 172, L = 5, V = 512, S = 512, Kv = 32, HeadSize = 8;
        long Floats(long n) => 4 * n;
        long embed = 28, rmsAtt = embed + Floats(V * D), wq = rmsAtt + Floats(L * D), wk = wq + Floats(L * D * D);
        long wv = wk + Floats(L * Kv * D), wo = wv + Floats(L * Kv * D), rmsFfn = wo + Floats(L * D * D);
        long w1 = rmsFfn + Floats(L * D), w2 = w1 + Floats(L * H * D), w3 = w2 + Floats(L * D * H), rmsFinal = w3 + Floats(L * H * D);
        long freqReal = rmsFinal + Floats(D), freqImag = freqReal + Floats(S * HeadSize / 2);
        Assert.Equal(bytes.Length, freqImag + Floats(S * HeadSize / 2));

        float At(long offset) => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)offset));
        // The skipped table really is where the layout says: position p, pair i holds cos/sin(p · 10000^(-2i/head_size)).
        for (int p = 0; p < 3; p++)
        for (int i = 0; i < HeadSize / 2; i++)
        {
            double angle = p * Math.Pow(10000, -2.0 * i / HeadSize);
            Assert.Equal(Math.Cos(angle), At(freqReal + Floats(p * HeadSize / 2 + i)), 5);
            Assert.Equal(Math.Sin(angle), At(freqImag + Floats(p * HeadSize / 2 + i)), 5);
        }

        var checkpoint = Llama2cCheckpoint.Load(Stories260K);
        var norm = checkpoint.Weights["norm.weight"].ToArray();
        for (int i = 0; i < D; i++) Assert.Equal(At(rmsFinal + Floats(i)), norm[i]);
        Assert.All(norm, g => Assert.InRange(g, 0.5f, 10f)); // trained RMSNorm gains: positive, order one
        var wk3 = checkpoint.Weights["layers.3.attention.wk.weight"];
        for (int j = 0; j < D; j++) Assert.Equal(At(wk + Floats(3 * Kv * D + 7 * D + j)), wk3[7, j]);
        var w2Last = checkpoint.Weights["layers.4.feed_forward.w2.weight"];
        Assert.Equal(At(w2 + Floats(4 * D * H + 63 * H + 171)), w2Last[63, 171]);
        Assert.Equal(At(rmsFfn + Floats(2 * D + 5)), checkpoint.Weights["layers.2.ffn_norm.weight"][5]);
        Assert.Equal(At(embed + Floats(511 * D + 63)), checkpoint.Weights["tok_embeddings.weight"][511, 63]);
    }

    /// <summary>A tiny model with distinct values everywhere, written in the test following export.py's layouts.</summary>
    private sealed class TinyModel
    {
        public const int D = 4, H = 6, L = 2, Heads = 2, KvHeads = 1, V = 5, S = 3, Kv = 2;
        private int next;
        public readonly Dictionary<string, float[]> Arrays = new();
        private readonly bool untied;

        public TinyModel(bool untied)
        {
            this.untied = untied;
            Add("tok_embeddings.weight", V * D);
            for (int l = 0; l < L; l++)
            {
                Add($"layers.{l}.attention_norm.weight", D);
                Add($"layers.{l}.ffn_norm.weight", D);
                Add($"layers.{l}.attention.wq.weight", D * D);
                Add($"layers.{l}.attention.wk.weight", Kv * D);
                Add($"layers.{l}.attention.wv.weight", Kv * D);
                Add($"layers.{l}.attention.wo.weight", D * D);
                Add($"layers.{l}.feed_forward.w1.weight", H * D);
                Add($"layers.{l}.feed_forward.w2.weight", D * H);
                Add($"layers.{l}.feed_forward.w3.weight", H * D);
            }
            Add("norm.weight", D);
            if (untied) Add("output.weight", V * D);
        }

        private void Add(string name, int n)
        {
            Arrays[name] = Enumerable.Range(next, n).Select(i => i * 0.25f - 3f).ToArray();
            next += n;
        }

        private IEnumerable<string> PerLayer(string kind) => Enumerable.Range(0, L).Select(l => $"layers.{l}.{kind}.weight");

        public byte[] Version1()
        {
            var header = new byte[256];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x616b3432);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 1);
            int[] fields = [D, H, L, Heads, KvHeads, V, S];
            for (int i = 0; i < 7; i++) BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8 + 4 * i), fields[i]);
            header[36] = untied ? (byte)0 : (byte)1;
            var order = PerLayer("attention_norm").Concat(PerLayer("ffn_norm")).Append("norm.weight").Append("tok_embeddings.weight")
                .Concat(PerLayer("attention.wq")).Concat(PerLayer("attention.wk")).Concat(PerLayer("attention.wv")).Concat(PerLayer("attention.wo"))
                .Concat(PerLayer("feed_forward.w1")).Concat(PerLayer("feed_forward.w2")).Concat(PerLayer("feed_forward.w3"));
            if (untied) order = order.Append("output.weight");
            return header.Concat(order.SelectMany(n => RawSafetensors.Floats(Arrays[n]))).ToArray();
        }

        public byte[] Legacy()
        {
            var header = new byte[28];
            int[] fields = [D, H, L, Heads, KvHeads, untied ? -V : V, S];
            for (int i = 0; i < 7; i++) BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4 * i), fields[i]);
            var order = new[] { "tok_embeddings.weight" }.Concat(PerLayer("attention_norm"))
                .Concat(PerLayer("attention.wq")).Concat(PerLayer("attention.wk")).Concat(PerLayer("attention.wv")).Concat(PerLayer("attention.wo"))
                .Concat(PerLayer("ffn_norm")).Concat(PerLayer("feed_forward.w1")).Concat(PerLayer("feed_forward.w2")).Concat(PerLayer("feed_forward.w3"))
                .Append("norm.weight");
            var rope = new float[2 * S * (D / Heads) / 2];
            var body = order.SelectMany(n => RawSafetensors.Floats(Arrays[n])).Concat(RawSafetensors.Floats(rope));
            if (untied) body = body.Concat(RawSafetensors.Floats(Arrays["output.weight"]));
            return header.Concat(body).ToArray();
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(0, false)]
    [InlineData(0, true)]
    public void WrittenCheckpointsReadBackEveryArray(int version, bool untied)
    {
        var model = new TinyModel(untied);
        using var dir = new TempFolder();
        var path = dir.Write("tiny.bin", version == 1 ? model.Version1() : model.Legacy());
        var checkpoint = Llama2cCheckpoint.Load(path);
        Assert.Equal(new Llama2cConfig(TinyModel.D, TinyModel.H, TinyModel.L, TinyModel.Heads, TinyModel.KvHeads, TinyModel.V, TinyModel.S, !untied, version),
            checkpoint.Config);
        foreach (var (name, values) in model.Arrays) Assert.Equal(values, checkpoint.Weights[name].ToArray());
        Assert.Equal([TinyModel.Kv, TinyModel.D], checkpoint.Weights["layers.1.attention.wv.weight"].ShapeArray);
        if (untied) Assert.NotSame(checkpoint.Weights["tok_embeddings.weight"], checkpoint.Weights["output.weight"]);
        else Assert.Same(checkpoint.Weights["tok_embeddings.weight"], checkpoint.Weights["output.weight"]);
    }

    [Fact]
    public void TruncatedOrOversizedFilesAreRejected()
    {
        var model = new TinyModel(untied: true);
        var bytes = model.Version1();
        using var dir = new TempFolder();
        var cut = dir.Write("cut.bin", bytes[..^4]);
        var e = Assert.Throws<SfcInputException>(() => Llama2cCheckpoint.Load(cut));
        Assert.StartsWith($"{cut}: truncated: {bytes.Length - 4} bytes, but a llama2.c v1 checkpoint", e.Message);

        var tiny = dir.Write("tiny.bin", bytes[..20]);
        Assert.StartsWith($"{tiny}: truncated", Assert.Throws<SfcInputException>(() => Llama2cCheckpoint.Load(tiny)).Message);

        var longer = dir.Write("long.bin", bytes.Concat(new byte[8]).ToArray());
        Assert.Contains("8 bytes more than", Assert.Throws<SfcInputException>(() => Llama2cCheckpoint.Load(longer)).Message);

        var legacy = new TinyModel(untied: false).Legacy();
        var legacyCut = dir.Write("legacy.bin", legacy[..^1]);
        Assert.Contains("truncated", Assert.Throws<SfcInputException>(() => Llama2cCheckpoint.Load(legacyCut)).Message);
    }

    [Fact]
    public void QuantizedAndNonsenseHeadersAreRejected()
    {
        var bytes = new TinyModel(untied: false).Version1();
        using var dir = new TempFolder();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 2);
        var q8 = dir.Write("q8.bin", bytes);
        Assert.Contains("version 2 (int8 Q8_0) checkpoints are not supported", Assert.Throws<SfcInputException>(() => Llama2cCheckpoint.Load(q8)).Message);

        var header = new byte[28 + 64];
        int[] fields = [64, 172, 5, 7, 4, 512, 512]; // 64 is not a multiple of 7 heads
        for (int i = 0; i < 7; i++) BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4 * i), fields[i]);
        var odd = dir.Write("odd.bin", header);
        Assert.Contains("inconsistent header", Assert.Throws<SfcInputException>(() => Llama2cCheckpoint.Load(odd)).Message);

        var missing = dir.File("none.bin");
        Assert.Equal($"{missing}: file not found", Assert.Throws<SfcInputException>(() => Llama2cCheckpoint.Load(missing)).Message);
    }
}
