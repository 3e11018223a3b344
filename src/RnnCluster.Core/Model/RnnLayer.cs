using System.Runtime.CompilerServices;
using RnnCluster.Core.Kernels;
using RnnCluster.Core.Memory;

namespace RnnCluster.Core.Model;

/// <summary>Plain tanh RNN layer: h_t = tanh(x_t·Wx + bx + h_{t−1}·Wh).</summary>
internal sealed unsafe class RnnLayer : RecurrentLayer
{
    private readonly AlignedBuffer _gates; // (T·B, H) pre-activations → h → gradients

    public RnnLayer(LayerTensors tensors, int input, int hidden, int maxSteps, int maxBatch)
        : base(tensors, input, hidden, 1, maxSteps, maxBatch)
    {
        _gates = new AlignedBuffer(checked(maxSteps * maxBatch * hidden));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Forward(float* parameters, float* x, int steps, int batch, bool carryState)
    {
        CheckShape(steps, batch);
        int rows = steps * batch, h = Hidden;
        float* gates = _gates.Pointer, output = Output.Pointer;

        // A = bx + x·Wx   (T·B, H)
        ProjectInput(parameters, x, rows, gates);

        for (int t = 0; t < steps; t++)
        {
            long row0 = (long)t * batch;
            float* at = gates + row0 * h;
            float* hPrev = PreviousH(t, batch, carryState);
            // A_t += h_{t−1}·Wh   (B, H)
            if (hPrev != null)
                WhPacked.Multiply(batch, hPrev, h, false, at, h, true);
            for (int b = 0; b < batch; b++)
                RnnKernels.Forward(at + (long)b * h, output + (row0 + b) * h, h);
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
        int rows = steps * batch, h = Hidden;
        float* gates = _gates.Pointer, dhNext = DhNext.Pointer;
        new Span<float>(dhNext, batch * h).Clear();

        for (int t = steps - 1; t >= 0; t--)
        {
            long row0 = (long)t * batch;
            float* at = gates + row0 * h;
            for (int b = 0; b < batch; b++)
                RnnKernels.Backward(at + (long)b * h, dOutput + (row0 + b) * h, dhNext + (long)b * h, h);
            // dh_{t−1} = dA_t·Whᵀ   (B, H)
            if (t > 0)
                WhTransposedPacked.Multiply(batch, at, h, false, dhNext, h, false);
        }

        RecurrentWeightBackward(gradients, gates, steps, batch);
        InputSideBackward(parameters, gradients, x, gates, dInput, rows);
    }

    public override void Dispose()
    {
        base.Dispose();
        _gates.Dispose();
    }
}
