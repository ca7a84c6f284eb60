using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Dictionaries.Formats;

/// <summary>
/// dictionary_learning's <c>ae.pt</c> (a PyTorch zip-pickle state dict, read through the restricted unpickler, so a
/// pickle that would run code is refused), with its optional <c>config.json</c>. The class is recognised from the keys:
/// <list type="bullet">
/// <item><c>AutoEncoder</c>: <c>bias</c> [d], <c>encoder.weight</c> [F, d], <c>encoder.bias</c> [F], <c>decoder.weight</c>
/// [d, F]; f = ReLU(W_enc(x − b) + b_enc), x̂ = W_dec f + b (one shared bias).</item>
/// <item><c>AutoEncoderNew</c>: <c>encoder.*</c> and <c>decoder.weight</c> / <c>decoder.bias</c>, no centring.</item>
/// <item><c>GatedAutoEncoder</c>: <c>decoder_bias</c>, <c>encoder.weight</c> (no bias), <c>r_mag</c>, <c>gate_bias</c>,
/// <c>mag_bias</c>, <c>decoder.weight</c>.</item>
/// <item><c>JumpReluAutoEncoder</c>: <c>W_enc</c> [d, F], <c>b_enc</c>, <c>W_dec</c> [F, d], <c>b_dec</c>,
/// <c>threshold</c>; the input is not centred.</item>
/// <item><c>AutoEncoderTopK</c> / <c>BatchTopKSAE</c>: <c>encoder.*</c>, <c>decoder.weight</c>, <c>b_dec</c>, <c>k</c>,
/// <c>threshold</c>; TopK keeps the k largest of ReLU(W_enc(x − b_dec) + b_enc), BatchTopK (config
/// <c>dict_class</c>) keeps those above the scalar threshold.</item>
/// </list>
/// The encoder stays in its [F, d] file layout; the decoder [d, F] is transposed into rows on first use (blocked, in parallel).
/// </summary>
public static class DictionaryLearningFormat
{
    public const string WeightsFile = "ae.pt";
    public const string ConfigFile = "config.json";

    public static bool IsDictionaryLearningFolder(string folder) => File.Exists(Path.Combine(folder, WeightsFile));

    /// <summary>Reads <c>ae.pt</c> (and <c>config.json</c> if present) from <paramref name="folder"/> as the dictionary
    /// of <paramref name="site"/>.</summary>
    public static SparseAutoencoder Read(string folder, Site site)
    {
        var path = Path.Combine(folder, WeightsFile);
        var config = DictionaryLearningConfig.Read(Path.Combine(folder, ConfigFile));
        using var file = TorchZipFile.Open(path);
        var r = new Reader(file);
        var info = (string kind) => new DictionaryInfo(kind, site, site, folder);

        if (file.Contains("r_mag"))
        {
            var (f, d) = r.Matrix("encoder.weight");
            var bias = r.Get("decoder_bias", d);
            var weights = new SaeWeights(r.Get("encoder.weight", f, d), false, null, r.Decoder("decoder.weight", d, f), bias, bias);
            return new GatedSae(info(GatedSae.KindName), weights, r.Get("gate_bias", f), r.Get("r_mag", f), r.Get("mag_bias", f));
        }
        if (file.Contains("W_enc"))
        {
            var (d, f) = r.Matrix("W_enc");
            var weights = new SaeWeights(r.Get("W_enc", d, f), true, r.Get("b_enc", f), r.Get("W_dec", f, d), r.Get("b_dec", d));
            return new JumpReluSae(info(JumpReluSae.KindName), weights, r.Get("threshold", f));
        }
        if (file.Contains("b_dec") && file.Contains("k"))
        {
            var (f, d) = r.Matrix("encoder.weight");
            var bDec = r.Get("b_dec", d);
            var weights = new SaeWeights(r.Get("encoder.weight", f, d), false, r.Get("encoder.bias", f), r.Decoder("decoder.weight", d, f), bDec, bDec);
            if (config.DictClass is { } cls && cls.Contains("BatchTopK", StringComparison.Ordinal))
            {
                var theta = r.Get("threshold");
                if (theta.Length != 1) throw SfcInputException.ForFile(path, $"tensor 'threshold' {Shapes.Format(theta.Shape)} should be a single value for {cls}");
                return new JumpReluSae(info(JumpReluSae.KindName), weights, Tensor.Full(theta.Span[0], f));
            }
            int k = r.Integer("k");
            if (config.K is { } configK && configK != k) throw SfcInputException.ForFile(path, $"k = {k} but {ConfigFile} says k = {configK}");
            if (k < 1 || k > f) throw SfcInputException.ForFile(path, $"k = {k} is not in 1..{f}");
            return new TopKSae(info(TopKSae.KindName), weights, k);
        }
        if (file.Contains("decoder.bias"))
        {
            var (f, d) = r.Matrix("encoder.weight");
            var weights = new SaeWeights(r.Get("encoder.weight", f, d), false, r.Get("encoder.bias", f), r.Decoder("decoder.weight", d, f), r.Get("decoder.bias", d));
            return new ReluSae(info(ReluSae.KindName), weights);
        }
        {
            if (!file.Contains("encoder.weight") && !file.Contains("bias"))
                throw SfcInputException.ForFile(path, $"not a dictionary_learning state dict: expected bias, encoder.weight, encoder.bias, decoder.weight; found {Found(file)}");
            var (f, d) = r.Matrix("encoder.weight");
            var bias = r.Get("bias", d);
            var weights = new SaeWeights(r.Get("encoder.weight", f, d), false, r.Get("encoder.bias", f), r.Decoder("decoder.weight", d, f), bias, bias);
            return new ReluSae(info(ReluSae.KindName), weights);
        }
    }

    private static string Found(TorchZipFile file) => file.Names.Count == 0 ? "no tensors" : string.Join(", ", file.Names.Take(12));

    /// <summary>Named, shape-checked, finite float32 tensors of one state dict.</summary>
    private readonly struct Reader(TorchZipFile file)
    {
        public (int Rows, int Cols) Matrix(string name)
        {
            var info = Info(name);
            if (info.Shape.Length != 2 || info.Shape[0] == 0 || info.Shape[1] == 0)
                throw SfcInputException.ForFile(file.Path, $"tensor '{name}' has shape {Shapes.Format(info.Shape)}, expected a non-empty matrix");
            return (info.Shape[0], info.Shape[1]);
        }

        /// <summary>The tensor, memory-mapped where the file allows; after the finiteness check has read it, its pages
        /// are handed back (<see cref="ResidentMemory"/>) so that a loaded set of dictionaries is not resident until used.</summary>
        public Tensor Get(string name, params int[] shape)
        {
            var t = Read(name, shape);
            WeightChecks.RequireFinite(file.Path, name, t);
            ResidentMemory.Release(t);
            return t;
        }

        /// <summary>A [d, F] decoder as rows [F, d], transposed lazily (<see cref="LazyTranspose"/>): loading copies
        /// nothing, and products that can use the stored layout never make the copy.</summary>
        public Tensor Decoder(string name, int d, int f) => LazyTranspose.Of(Get(name, d, f));

        private Tensor Read(string name, params int[] shape)
        {
            if (shape.Length > 0) WeightChecks.RequireShape(file.Path, Info(name), shape, "to match encoder.weight / W_enc");
            else Info(name);
            return file.GetTensor(name);
        }

        public int Integer(string name)
        {
            var info = Info(name);
            if (info.ElementCount != 1) throw SfcInputException.ForFile(file.Path, $"tensor '{name}' {Shapes.Format(info.Shape)} should hold one integer");
            long v = info.DType.IsFloatingPoint() ? (long)file.ReadTensor(name).Span[0] : file.ReadInt64(name)[0];
            return v is >= 0 and <= int.MaxValue ? (int)v : throw SfcInputException.ForFile(file.Path, $"tensor '{name}' = {v} is out of range");
        }

        private StoredTensorInfo Info(string name) => file.Contains(name)
            ? file.Info(name)
            : throw SfcInputException.ForFile(file.Path, $"missing tensor '{name}' (found {Found(file)})");
    }
}
