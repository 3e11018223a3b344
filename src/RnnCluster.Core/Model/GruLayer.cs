using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>GRU layer (gates r, z, n, PyTorch's formulation; see <see cref="GruKernels"/>).</summary>
internal sealed unsafe class GruLayer : RecurrentLayer
{
    private readonly AlignedBuffer _xGates;  // (T·B, 3H) x-side pre-activations → r,z,n → their gradients
    private readonly AlignedBuffer _hGates;  // (B, 3H) h-side pre-activations of the current step
    private readonly AlignedBuffer _hn;      // (T·B, H) h_n kept for backward
    private readonly AlignedBuffer _hGrad;   // (T·B, 3H) gradients of the h-side pre-activations

    public GruLayer(LayerTensors tensors, int input, int hidden, int maxSteps, int maxBatch)
        : base(tensors, input, hidden, 3, maxSteps, maxBatch)
    {
        int rows = maxSteps * maxBatch;
        _xGates = new AlignedBuffer(checked(rows * GateWidth));
        _hGates = new AlignedBuffer(maxBatch * GateWidth);
        _hn = new AlignedBuffer(rows * hidden);
        _hGrad = new AlignedBuffer(checked(rows * GateWidth));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(float* parameters, float* x, int steps, int batch, bool carryState)
    {
        CheckShape(steps, batch);
        int rows = steps * batch, gw = GateWidth, h = Hidden;
        float* xGates = _xGates.Pointer, hGates = _hGates.Pointer, hn = _hn.Pointer, output = Output.Pointer;
        float* bh = parameters + Tensors.Bh!.Offset;

        // X = bx + x·Wx   (T·B, 3H)
        ProjectInput(parameters, x, rows, xGates);

        for (int t = 0; t < steps; t++)
        {
            long row0 = (long)t * batch;
            float* hPrev = PreviousH(t, batch, carryState);
            // Hg = bh + h_{t−1}·Wh   (B, 3H)
            Elementwise.FillRows(hGates, batch, gw, gw, bh);
            if (hPrev != null)
                WhPacked.Multiply(batch, hPrev, h, false, hGates, gw, true);
            for (int b = 0; b < batch; b++)
            {
                long r = row0 + b;
                GruKernels.Forward(xGates + r * gw, hGates + (long)b * gw, hn + r * h,
                    hPrev == null ? null : hPrev + (long)b * h, output + r * h, h);
            }
        }

        LastForwardCarried = carryState;
        if (carryState)
            new Span<float>(output + (long)(steps - 1) * batch * h, batch * h).CopyTo(StateH.Span);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(float* parameters, float* gradients, float* x, float* dOutput, float* dInput, int steps, int batch)
    {
        CheckShape(steps, batch);
        CheckBackward();
        int rows = steps * batch, gw = GateWidth, h = Hidden;
        float* xGates = _xGates.Pointer, hn = _hn.Pointer, hGrad = _hGrad.Pointer, output = Output.Pointer;
        float* dhNext = DhNext.Pointer;
        new Span<float>(dhNext, batch * h).Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            long row0 = (long)t * batch;
            float* hPrev = t > 0 ? output + (row0 - batch) * h : null;
            for (int b = 0; b < batch; b++)
            {
                long r = row0 + b;
                GruKernels.Backward(xGates + r * gw, hn + r * h, hPrev == null ? null : hPrev + (long)b * h,
                    dOutput + r * h, dhNext + (long)b * h, hGrad + r * gw, h);
            }
            // dh_{t−1} = dh·z + dHg_t·Whᵀ   (B, H)
            if (t > 0)
                WhTransposedPacked.Multiply(batch, hGrad + row0 * gw, gw, false, dhNext, h, true);
        }

        RecurrentWeightBackward(gradients, hGrad, steps, batch);
        // dbh = Σ_rows dHg   (3H): the h-side bias also acts at t = 0
        Elementwise.ColumnSums(hGrad, rows, gw, gw, gradients + Tensors.Bh!.Offset);
        InputSideBackward(parameters, gradients, x, xGates, dInput, rows);
    }

    public override void Dispose()
    {
        base.Dispose();
        _xGates.Dispose();
        _hGates.Dispose();
        _hn.Dispose();
        _hGrad.Dispose();
    }
}
