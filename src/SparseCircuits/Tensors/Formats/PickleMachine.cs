using System.Buffers.Binary;
using System.Text;

namespace SparseCircuits.Tensors.Formats;

/// <summary>
/// A small pickle interpreter for the opcodes that <c>torch.save</c> emits for state dicts (protocols 2 to 4). It
/// only builds plain data — strings, integers, floats, booleans, None, tuples (<c>object?[]</c>), lists
/// (<see cref="List{T}"/>) and dicts (<see cref="PickleDict"/>) — and leaves every global, call and persistent id to
/// an <see cref="IPickleResolver"/>, which refuses anything it does not know. Any other opcode is refused, so no
/// pickle can run code here.
/// </summary>
internal sealed class PickleMachine
{
    private readonly string path;
    private readonly byte[] data;
    private readonly IPickleResolver resolver;
    private readonly List<object?> stack = new();
    private readonly Stack<int> marks = new();
    private readonly Dictionary<long, object?> memo = new();
    private int position;

    private PickleMachine(string path, byte[] data, IPickleResolver resolver)
    {
        this.path = path;
        this.data = data;
        this.resolver = resolver;
    }

    /// <summary>Runs the pickle in <paramref name="data"/> to its STOP and returns the object it built.</summary>
    public static object? Load(string path, byte[] data, IPickleResolver resolver) => new PickleMachine(path, data, resolver).Run();

    private object? Run()
    {
        while (true)
        {
            int at = position;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    int protocol = ReadByte();
                    if (protocol > 5) throw Malformed($"pickle protocol {protocol} is newer than 5", at);
                    break;
                case 0x95: // FRAME: a length hint only
                    Take(8);
                    break;
                case (byte)'.': // STOP
                    if (stack.Count != 1 || marks.Count != 0) throw Malformed($"STOP with {stack.Count} objects on the stack", at);
                    return stack[0];
                case (byte)'(': // MARK
                    marks.Push(stack.Count);
                    break;
                case (byte)'0': // POP
                    Pop(at);
                    break;
                case (byte)'1': // POP_MARK
                    PopMark(at);
                    break;
                case (byte)'2': // DUP
                    stack.Add(Peek(at));
                    break;

                case (byte)'}': stack.Add(new PickleDict()); break; // EMPTY_DICT
                case (byte)']': stack.Add(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': stack.Add(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': stack.Add(PopMark(at)); break; // TUPLE
                case 0x85: stack.Add(PopTuple(1, at)); break; // TUPLE1
                case 0x86: stack.Add(PopTuple(2, at)); break; // TUPLE2
                case 0x87: stack.Add(PopTuple(3, at)); break; // TUPLE3
                case (byte)'l': stack.Add(new List<object?>(PopMark(at))); break; // LIST
                case (byte)'d': // DICT
                    var items = PopMark(at);
                    stack.Add(FillDict(new PickleDict(), items, at));
                    break;

                case (byte)'X': stack.Add(ReadUtf8(ReadLength(4, at), at)); break; // BINUNICODE
                case 0x8c: stack.Add(ReadUtf8(ReadByte(), at)); break; // SHORT_BINUNICODE
                case 0x8d: stack.Add(ReadUtf8(ReadLength(8, at), at)); break; // BINUNICODE8
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': stack.Add((long)ReadByte()); break; // BININT1
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case 0x8a: stack.Add(ReadLong(ReadByte(), at)); break; // LONG1
                case 0x8b: stack.Add(ReadLong(ReadLength(4, at), at)); break; // LONG4
                case 0x88: stack.Add(true); break; // NEWTRUE
                case 0x89: stack.Add(false); break; // NEWFALSE
                case (byte)'N': stack.Add(null); break; // NONE
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT

                case (byte)'s': // SETITEM
                {
                    var value = Pop(at);
                    var key = Pop(at);
                    FillDict(Peek(at), new[] { key, value }, at);
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    var pairs = PopMark(at);
                    FillDict(Peek(at), pairs, at);
                    break;
                }
                case (byte)'a': // APPEND
                {
                    var value = Pop(at);
                    AsList(Peek(at), at).Add(value);
                    break;
                }
                case (byte)'e': // APPENDS
                {
                    var values = PopMark(at);
                    AsList(Peek(at), at).AddRange(values);
                    break;
                }

                case (byte)'q': memo[ReadByte()] = Peek(at); break; // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(at); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(at); break; // MEMOIZE
                case (byte)'h': stack.Add(Recall(ReadByte(), at)); break; // BINGET
                case (byte)'j': stack.Add(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at)); break; // LONG_BINGET

                case (byte)'c': // GLOBAL
                {
                    string module = ReadLine(at), name = ReadLine(at);
                    stack.Add(resolver.ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop(at) as string;
                    var module = Pop(at) as string;
                    if (module is null || name is null) throw Malformed("STACK_GLOBAL needs two strings", at);
                    stack.Add(resolver.ResolveGlobal(module, name));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    var arguments = Pop(at) as object?[] ?? throw Malformed("REDUCE arguments are not a tuple", at);
                    var callable = Pop(at) ?? throw Malformed("REDUCE on None", at);
                    stack.Add(resolver.Reduce(callable, arguments));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop(at);
                    resolver.Build(Peek(at), state);
                    break;
                }
                case (byte)'Q': // BINPERSID
                    stack.Add(resolver.PersistentLoad(Pop(at)));
                    break;

                default:
                    throw SfcInputException.ForFile(path,
                        $"unsupported pickle opcode 0x{op:x2} ({Printable(op)}) at byte {at} (only tensor state dicts are allowed)");
            }
        }
    }

    private static string Printable(byte op) => op is >= 0x20 and < 0x7f ? $"'{(char)op}'" : "binary";

    private SfcInputException Malformed(string problem, int at) =>
        SfcInputException.ForFile(path, $"malformed pickle: {problem} at byte {at}");

    private byte ReadByte()
    {
        if (position >= data.Length) throw Malformed("data ends before STOP", position);
        return data[position++];
    }

    private ReadOnlySpan<byte> Take(long count)
    {
        if (count < 0 || count > data.Length - position) throw Malformed($"{count}-byte field runs past the end of the data", position);
        var span = data.AsSpan(position, (int)count);
        position += (int)count;
        return span;
    }

    private long ReadLength(int width, int at)
    {
        var bytes = Take(width);
        ulong n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > (ulong)(data.Length - position)) throw Malformed($"length {n} runs past the end of the data", at);
        return (long)n;
    }

    private string ReadUtf8(long length, int at)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(length));
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("string is not valid UTF-8", at);
        }
    }

    /// <summary>LONG1/LONG4: a little-endian two's-complement integer of <paramref name="length"/> bytes.</summary>
    private long ReadLong(long length, int at)
    {
        if (length > 8) throw Malformed($"{length}-byte integer does not fit in 64 bits", at);
        var bytes = Take(length);
        if (bytes.Length == 0) return 0;
        long value = (sbyte)bytes[^1] < 0 ? -1 : 0; // sign-extend from the top byte
        for (int i = bytes.Length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        return value;
    }

    private string ReadLine(int at)
    {
        int end = Array.IndexOf(data, (byte)'\n', position);
        if (end < 0) throw Malformed("GLOBAL name has no end of line", at);
        var line = Encoding.ASCII.GetString(data, position, end - position);
        position = end + 1;
        return line;
    }

    private object? Pop(int at)
    {
        if (stack.Count == 0 || (marks.Count > 0 && stack.Count <= marks.Peek())) throw Malformed("stack underflow", at);
        var top = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return top;
    }

    private object? Peek(int at)
    {
        if (stack.Count == 0 || (marks.Count > 0 && stack.Count <= marks.Peek())) throw Malformed("stack underflow", at);
        return stack[^1];
    }

    private object?[] PopMark(int at)
    {
        if (marks.Count == 0) throw Malformed("no MARK to pop to", at);
        int start = marks.Pop();
        var items = stack.GetRange(start, stack.Count - start).ToArray();
        stack.RemoveRange(start, stack.Count - start);
        return items;
    }

    private object?[] PopTuple(int count, int at)
    {
        var items = new object?[count];
        for (int i = count - 1; i >= 0; i--) items[i] = Pop(at);
        return items;
    }

    private object? Recall(long key, int at) =>
        memo.TryGetValue(key, out var value) ? value : throw Malformed($"memo key {key} was never stored", at);

    private PickleDict FillDict(object? target, object?[] keysAndValues, int at)
    {
        if (target is not PickleDict dict) throw Malformed($"SETITEM on a {Describe(target)}, not a dict", at);
        if (keysAndValues.Length % 2 != 0) throw Malformed("odd number of dict keys and values", at);
        for (int i = 0; i < keysAndValues.Length; i += 2)
        {
            var key = keysAndValues[i];
            if (key is not (string or long or bool or double)) throw Malformed($"dict key is a {Describe(key)}", at);
            dict.Set(key, keysAndValues[i + 1]);
        }
        return dict;
    }

    private List<object?> AsList(object? target, int at) =>
        target as List<object?> ?? throw Malformed($"APPEND on a {Describe(target)}, not a list", at);

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        string => "string",
        long => "int",
        double => "float",
        bool => "bool",
        object?[] => "tuple",
        List<object?> => "list",
        PickleDict => "dict",
        _ => value.GetType().Name,
    };
}
