using SparseCircuits.Models.Loading;
using SparseCircuits.Tensors.Formats;

namespace SparseCircuits.Models;

/// <summary>Opens a model from a Hugging Face folder (<c>config.json</c> + safetensors or <c>pytorch_model.bin</c>) or a
/// llama2.c checkpoint file.</summary>
public static class ModelLoader
{
    public static Transformer Load(string path)
    {
        if (Directory.Exists(path)) return LoadHuggingFace(path);
        if (File.Exists(path)) return Llama2cModel.Load(path);
        throw new SfcInputException($"--model: '{path}' is neither a model folder nor a checkpoint file");
    }

    public static Transformer LoadHuggingFace(string folder)
    {
        var config = HfConfigReader.Read(Path.Combine(folder, "config.json"));
        var checkpoint = CheckpointTensors.OpenFolder(folder);
        var source = new WeightSource(folder, checkpoint.Names.ToDictionary(n => n, n => (Func<Tensors.Tensor>)(() => checkpoint.GetTensor(n))));
        var weights = config.Architecture switch
        {
            Architecture.Gpt2 => Gpt2Weights.Load(config, source),
            Architecture.GptNeoX => GptNeoXWeights.Load(config, source),
            _ => LlamaWeights.Load(config, source),
        };
        return new Transformer(config, weights);
    }
}
