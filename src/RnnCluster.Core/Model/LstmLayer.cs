using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>LSTM layer (gates i, f, g, o; see <see cref="LstmKernels"/> for the formulas).</summary>
internal sealed unsafe class LstmLayer : RecurrentLayer
{
    private readonly AlignedBuffer _gates;   // (T·B, 4H) pre-activations → activations → gradients
    private readonly AlignedBuffer _cell;    // (T·B, H)
    private readonly AlignedBuffer _tanhCell; // (T·B, H)
    private readonly AlignedBuffer _stateC;  // (B, H) carried cell state
    private readonly AlignedBuffer _dcNext;  // (B, H)

    public LstmLayer(LayerTensors tensors, int input, int hidden, int maxSteps, int maxBatch)
        : base(tensors, input, hidden, 4, maxSteps, maxBatch)
    {
        int rows = maxSteps * maxBatch;
        _gates = new AlignedBuffer(checked(rows * GateWidth));
        _cell = new AlignedBuffer(rows * hidden);
        _tanhCell = new AlignedBuffer(rows * hidden);
        _stateC = new AlignedBuffer(maxBatch * hidden);
        _dcNext = new AlignedBuffer(maxBatch * hidden);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(float* parameters, float* x, int steps, int batch, bool carryState)
    {
        CheckShape(steps, batch);
        int rows = steps * batch, gw = GateWidth, h = Hidden;
        float* gates = _gates.Pointer, cell = _cell.Pointer, tanhCell = _tanhCell.Pointer, output = Output.Pointer;

        // G = bx + x·Wx for all T steps in one product   (T·B, 4H)
        ProjectInput(parameters, x, rows, gates);

        for (int t = 0; t < steps; t++)
        {
            long row0 = (long)t * batch;
            float* gt = gates + row0 * gw;
            float* hPrev = PreviousH(t, batch, carryState);
            float* cPrev = t > 0 ? cell + (row0 - batch) * h : carryState ? _stateC.Pointer : null;
            // G_t += h_{t−1}·Wh   (B, 4H)
            if (hPrev != null)
                WhPacked.Multiply(batch, hPrev, h, false, gt, gw, true);
            for (int b = 0; b < batch; b++)
            {
                long r = row0 + b;
                LstmKernels.Forward(gt + (long)b * gw, cPrev == null ? null : cPrev + (long)b * h,
                    cell + r * h, tanhCell + r * h, output + r * h, h);
            }
        }

        LastForwardCarried = carryState;
        if (carryState)
        {
            long last = (long)(steps - 1) * batch * h;
            new Span<float>(output + last, batch * h).CopyTo(StateH.Span);
            new Span<float>(cell + last, batch * h).CopyTo(_stateC.Span);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(float* parameters, float* gradients, float* x, float* dOutput, float* dInput, int steps, int batch)
    {
        CheckShape(steps, batch);
        CheckBackward();
        int rows = steps * batch, gw = GateWidth, h = Hidden;
        float* gates = _gates.Pointer, cell = _cell.Pointer, tanhCell = _tanhCell.Pointer;
        float* dhNext = DhNext.Pointer, dcNext = _dcNext.Pointer;
        new Span<float>(dhNext, batch * h).Clear();
        new Span<float>(dcNext, batch * h).Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            long row0 = (long)t * batch;
            float* gt = gates + row0 * gw;
            float* cPrev = t > 0 ? cell + (row0 - batch) * h : null;
            for (int b = 0; b < batch; b++)
            {
                long r = row0 + b;
                LstmKernels.Backward(gt + (long)b * gw, cPrev == null ? null : cPrev + (long)b * h, tanhCell + r * h,
                    dOutput + r * h, dhNext + (long)b * h, dcNext + (long)b * h, h);
            }
            // dh_{t−1} = dG_t·Whᵀ   (B, H)
            if (t > 0)
                WhTransposedPacked.Multiply(batch, gt, gw, false, dhNext, h, false);
        }

        RecurrentWeightBackward(gradients, gates, steps, batch);
        InputSideBackward(parameters, gradients, x, gates, dInput, rows);
    }

    public override void ResetState()
    {
        base.ResetState();
        _stateC.Clear();
    }

    public override void Dispose()
    {
        base.Dispose();
        _gates.Dispose();
        _cell.Dispose();
        _tanhCell.Dispose();
        _stateC.Dispose();
        _dcNext.Dispose();
    }
}
