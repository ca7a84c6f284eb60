namespace SparseCircuits.Circuits.Data;

/// <summary>A record with where it came from ("line 7", "record 3"), for error messages.</summary>
internal readonly record struct NumberedRecord(string Where, ExampleRecord Record);
