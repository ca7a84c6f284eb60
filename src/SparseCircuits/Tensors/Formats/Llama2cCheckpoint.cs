using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// A float32 llama2.c checkpoint (karpathy/llama2.c): the legacy format (7 int32 header, then the weights grouped by
/// kind with RoPE tables after the final norm) or version 1 ("ak42" magic, 256-byte header, norms first).
/// <para>Weight names follow llama2.c's own model (Meta's naming), matrices stored [out, in]:
/// <c>tok_embeddings.weight</c> [V, D]; per layer <c>layers.{l}.attention_norm.weight</c> [D],
/// <c>layers.{l}.attention.wq.weight</c> [D, D], <c>.wk.weight</c> and <c>.wv.weight</c> [KvDim, D],
/// <c>.wo.weight</c> [D, D], <c>layers.{l}.ffn_norm.weight</c> [D], <c>layers.{l}.feed_forward.w1.weight</c> (gate)
/// [H, D], <c>.w2.weight</c> (down) [D, H], <c>.w3.weight</c> (up) [H, D]; <c>norm.weight</c> [D];
/// <c>output.weight</c> [V, D], the very same tensor as the embedding when the classifier is shared. The q/k rows
/// are in llama2.c's RoPE order (rotation of adjacent pairs), not Hugging Face's rotate-half order. The stored RoPE
/// tables of the legacy format are skipped (they are a function of the config).</para>
/// </summary>
public sealed record Llama2cCheckpoint(Llama2cConfig Config, IReadOnlyDictionary<string, Tensor> Weights)
{
    /// <summary>"ak42" read as a little-endian uint32.</summary>
    public const uint Magic = 0x616b3432;

    private const int LegacyHeaderBytes = 7 * sizeof(int);
    private const int Version1HeaderBytes = 256;

    public static Llama2cCheckpoint Load(string path)
    {
        ElementConversion.EnsureLittleEndianHost();
        if (!File.Exists(path)) throw SfcInputException.ForFile(path, "file not found");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        long length = stream.Length;

        var header = new byte[Version1HeaderBytes];
        int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        var config = ReadConfig(path, header.AsSpan(0, got), out int headerBytes);
        var layout = Layout(config);
        long expected;
        try
        {
            expected = checked(headerBytes + layout.Sum(item => item.Count * item.Shape.Aggregate(1L, (n, d) => checked(n * d))) * sizeof(float));
        }
        catch (OverflowException)
        {
            throw SfcInputException.ForFile(path, $"header {config} describes an impossibly large model");
        }
        if (length < expected)
            throw SfcInputException.ForFile(path, $"truncated: {length} bytes, but a llama2.c v{config.Version} checkpoint with {Describe(config)} needs {expected}");
        if (length > expected)
            throw SfcInputException.ForFile(path, $"{length - expected} bytes more than a llama2.c v{config.Version} checkpoint with {Describe(config)} holds: wrong format or header?");

        stream.Position = headerBytes;
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var item in layout)
        {
            if (item.Name is null)
            {
                stream.Seek(item.Count * Shapes.Count(item.Shape) * sizeof(float), SeekOrigin.Current);
                continue;
            }
            for (int l = 0; l < item.Count; l++)
            {
                var tensor = Tensor.Empty(item.Shape);
                stream.ReadExactly(MemoryMarshal.AsBytes(tensor.Span));
                weights[item.Name.Replace("{l}", l.ToString(System.Globalization.CultureInfo.InvariantCulture))] = tensor;
            }
        }
        if (config.SharedClassifier) weights["output.weight"] = weights["tok_embeddings.weight"];
        return new Llama2cCheckpoint(config, weights);
    }

    private static string Describe(Llama2cConfig c) =>
        $"dim {c.Dim}, hidden {c.HiddenDim}, {c.Layers} layers, {c.Heads} heads, {c.KvHeads} kv heads, vocab {c.VocabSize}, seq {c.SeqLen}, {(c.SharedClassifier ? "shared" : "separate")} classifier";

    private static Llama2cConfig ReadConfig(string path, ReadOnlySpan<byte> header, out int headerBytes)
    {
        if (header.Length < LegacyHeaderBytes)
            throw SfcInputException.ForFile(path, $"truncated: {header.Length} bytes, too short for a llama2.c header");
        int version = 0;
        var fields = header;
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) == Magic)
        {
            if (header.Length < Version1HeaderBytes)
                throw SfcInputException.ForFile(path, $"truncated: {header.Length} bytes, shorter than the 256-byte llama2.c header");
            version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            if (version == 2) throw SfcInputException.ForFile(path, "llama2.c version 2 (int8 Q8_0) checkpoints are not supported; export with --version 1 (float32)");
            if (version != 1) throw SfcInputException.ForFile(path, $"unknown llama2.c checkpoint version {version}");
            fields = header[8..];
        }

        var f = new int[7];
        for (int i = 0; i < f.Length; i++) f[i] = BinaryPrimitives.ReadInt32LittleEndian(fields[(4 * i)..]);
        int dim = f[0], hidden = f[1], layers = f[2], heads = f[3], kvHeads = f[4], vocab = f[5], seqLen = f[6];
        bool shared = version == 0 ? vocab > 0 : fields[28] != 0;
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0 || vocab == int.MinValue || seqLen <= 0
            || dim % heads != 0 || heads % kvHeads != 0)
            throw SfcInputException.ForFile(path,
                $"not a llama2.c checkpoint: inconsistent header (dim {dim}, hidden {hidden}, {layers} layers, {heads} heads, {kvHeads} kv heads, vocab {vocab}, seq {seqLen})");
        var config = new Llama2cConfig(dim, hidden, layers, heads, kvHeads, Math.Abs(vocab), seqLen, shared, version);
        headerBytes = version == 0 ? LegacyHeaderBytes : Version1HeaderBytes;
        return config;
    }

    /// <summary>One kind of array in file order: <paramref name="Count"/> arrays of <paramref name="Shape"/>
    /// (one per layer when the name has "{l}"); a null name is read past (RoPE tables).</summary>
    private sealed record Item(string? Name, int Count, int[] Shape);

    private static List<Item> Layout(Llama2cConfig c)
    {
        int L = c.Layers, D = c.Dim, H = c.HiddenDim, V = c.VocabSize, Kv = c.KvDim;
        var embedding = new Item("tok_embeddings.weight", 1, [V, D]);
        Item[] attentionNorms = [new("layers.{l}.attention_norm.weight", L, [D])];
        Item[] ffnNorms = [new("layers.{l}.ffn_norm.weight", L, [D])];
        Item[] attention =
        [
            new("layers.{l}.attention.wq.weight", L, [D, D]),
            new("layers.{l}.attention.wk.weight", L, [Kv, D]),
            new("layers.{l}.attention.wv.weight", L, [Kv, D]),
            new("layers.{l}.attention.wo.weight", L, [D, D]),
        ];
        Item[] feedForward =
        [
            new("layers.{l}.feed_forward.w1.weight", L, [H, D]),
            new("layers.{l}.feed_forward.w2.weight", L, [D, H]),
            new("layers.{l}.feed_forward.w3.weight", L, [H, D]),
        ];
        var finalNorm = new Item("norm.weight", 1, [D]);
        var items = new List<Item>();
        if (c.Version == 0)
        {
            items.Add(embedding);
            items.AddRange(attentionNorms);
            items.AddRange(attention);
            items.AddRange(ffnNorms);
            items.AddRange(feedForward);
            items.Add(finalNorm);
            items.Add(new Item(null, 2, [c.SeqLen, c.HeadSize / 2])); // freq_cis real and imaginary parts
        }
        else
        {
            items.AddRange(attentionNorms);
            items.AddRange(ffnNorms);
            items.Add(finalNorm);
            items.Add(embedding);
            items.AddRange(attention);
            items.AddRange(feedForward);
        }
        if (!c.SharedClassifier) items.Add(new Item("output.weight", 1, [V, D]));
        return items;
    }
}
