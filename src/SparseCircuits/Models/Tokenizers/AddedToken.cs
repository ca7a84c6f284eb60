namespace SparseCircuits.Models.Tokenizers;

/// <summary>
/// A token matched in the text before the model sees it (Hugging Face "added_tokens"): special tokens such as
/// &lt;|endoftext|&gt;, or extra vocabulary such as NeoX's runs of spaces.
/// </summary>
/// <param name="Id">Token id.</param>
/// <param name="Content">The text it stands for.</param>
/// <param name="Special">A control token (BOS, EOS, padding) rather than text.</param>
/// <param name="Normalized">Matched in the normalized text rather than the raw input.</param>
/// <param name="SingleWord">Matched only when not inside a word.</param>
/// <param name="LStrip">Also takes the whitespace before it.</param>
/// <param name="RStrip">Also takes the whitespace after it.</param>
public sealed record AddedToken(int Id, string Content, bool Special, bool Normalized,
    bool SingleWord = false, bool LStrip = false, bool RStrip = false);
