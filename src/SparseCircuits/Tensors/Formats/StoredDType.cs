namespace SparseCircuits.Tensors.Formats;

/// <summary>Element types a checkpoint file may store. Every reader converts them to float32 (or int64 for
/// integer data) on the way in; only float32 can be seen without a copy.</summary>
public enum StoredDType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

public static class StoredDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this StoredDType dtype) => dtype switch
    {
        StoredDType.F64 or StoredDType.I64 => 8,
        StoredDType.F32 or StoredDType.I32 => 4,
        StoredDType.F16 or StoredDType.BF16 or StoredDType.I16 => 2,
        _ => 1,
    };

    public static bool IsFloatingPoint(this StoredDType dtype) =>
        dtype is StoredDType.F64 or StoredDType.F32 or StoredDType.F16 or StoredDType.BF16;

    /// <summary>The tag safetensors headers use ("F32", "BF16", "I64", "BOOL", ...).</summary>
    public static string SafetensorsTag(this StoredDType dtype) => dtype == StoredDType.Bool ? "BOOL" : dtype.ToString();

    public static bool TryParseSafetensorsTag(string tag, out StoredDType dtype)
    {
        switch (tag)
        {
            case "F64": dtype = StoredDType.F64; return true;
            case "F32": dtype = StoredDType.F32; return true;
            case "F16": dtype = StoredDType.F16; return true;
            case "BF16": dtype = StoredDType.BF16; return true;
            case "I64": dtype = StoredDType.I64; return true;
            case "I32": dtype = StoredDType.I32; return true;
            case "I16": dtype = StoredDType.I16; return true;
            case "I8": dtype = StoredDType.I8; return true;
            case "U8": dtype = StoredDType.U8; return true;
            case "BOOL": dtype = StoredDType.Bool; return true;
            default: dtype = default; return false;
        }
    }
}
