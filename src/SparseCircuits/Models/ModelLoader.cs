using SparseCircuits.Models.Loading;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Models;

/// <summary>Opens a model from a Hugging Face folder (<c>config.json</c> + safetensors or <c>pytorch_model.bin</c>) or a
/// llama2.c checkpoint file.</summary>
public static class ModelLoader
{
    /// <summary>Loads the model, then applies <paramref name="processing"/> (none when null; see
    /// <see cref="WeightProcessingOptions"/> for which to use when).</summary>
    public static Transformer Load(string path, WeightProcessingOptions? processing = null)
    {
        var model = LoadUnprocessed(path);
        return processing is null ? model : WeightProcessing.Apply(model, processing);
    }

    private static Transformer LoadUnprocessed(string path)
    {
        if (Directory.Exists(path)) return LoadHuggingFace(path);
        if (File.Exists(path)) return Llama2cModel.Load(path);
        throw new SfcInputException($"--model: '{path}' is neither a model folder nor a checkpoint file");
    }

    public static Transformer LoadHuggingFace(string folder)
    {
        var config = HfConfigReader.Read(Path.Combine(folder, "config.json"));
        var checkpoint = CheckpointTensors.OpenFolder(folder);
        // Name the weights file (or shard index) in shape and missing-tensor errors, not just the folder.
        var source = new WeightSource(checkpoint.Source, checkpoint.Names.ToDictionary(n => n, n => (Func<Tensors.Tensor>)(() => checkpoint.GetTensor(n))));
        try
        {
            var weights = config.Architecture switch
            {
                Architecture.Gpt2 => Gpt2Weights.Load(config, source),
                Architecture.GptNeoX => GptNeoXWeights.Load(config, source),
                _ => LlamaWeights.Load(config, source),
            };
            return new Transformer(config, weights);
        }
        catch
        {
            checkpoint.Dispose(); // a bad checkpoint must not stay mapped (the loaded model keeps it open on success)
            throw;
        }
    }
}
