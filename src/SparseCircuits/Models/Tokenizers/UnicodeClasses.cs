using System.Globalization;
using System.Text;

namespace SparseCircuits.Models.Tokenizers;

/// <summary>Character classes of the Rust regex crate that the Hugging Face pre-tokenizers rely on.</summary>
internal static class UnicodeClasses
{
    /// <summary>
    /// Rust regex <c>\w</c>: alphabetic, marks, decimal digits, connector punctuation, joiners. (Alphabetic is
    /// approximated by the letter categories and letter numbers.)
    /// </summary>
    public static bool IsWordChar(Rune rune)
    {
        if (rune.Value < 0x80) return char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value == '_';
        if (rune.Value is 0x200C or 0x200D) return true;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }
}
