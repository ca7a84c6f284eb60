namespace SparseCircuits.Tensors.Autograd;

/// <summary>
/// A named point in a computation (TransformerLens's HookPoint): forward hooks may read or replace the activation,
/// and when recording, an identity node carrying the name lets gradient hooks read, replace or stop the gradient there.
/// </summary>
public static class HookPoint
{
    public static Tensor Apply(Tensor x, string name, ForwardHooks? forward)
    {
        if (forward is not null) x = forward.Apply(name, x);
        if (!Tape.ShouldRecord(x)) return x;
        var y = new Tensor(x.Storage, x.ShapeArray);
        return Tape.Attach(y, new[] { x }, (ctx, g) => ctx.Accumulate(x, g), name);
    }
}
