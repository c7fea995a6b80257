using System.CommandLine;
using MLNetLlm.Cli.Training;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Benchmarks.Torch.Compression;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench distill</c>: <see cref="DistillationBenchmark"/> — trains a teacher on SpamAssassin, distills one
/// or more students from it and compares them side by side (size, interleaved CPU latency at batch 1 and 32 in
/// TorchSharp and ONNX Runtime, accuracy/F1 on the test split).
/// </summary>
internal static class DistillationBench
{
    public static Command Create(CliContext context)
    {
        var d = new DistillationBenchmarkOptions();
        var train = new Option<string>("--train") { Description = $"Training CSV (default {d.TrainPath}).", DefaultValueFactory = _ => d.TrainPath };
        var test = new Option<string>("--test") { Description = $"Test CSV (default {d.TestPath}).", DefaultValueFactory = _ => d.TestPath };
        var maxTrain = new Option<int>("--max-train") { Description = "Use a seeded sample of N training rows (default all)." };
        var maxLength = new Option<int>("--max-length") { Description = $"Tokens per mail (default {d.MaxLength}).", DefaultValueFactory = _ => d.MaxLength };
        var threads = new Option<int>("--threads") { Description = $"Threads for training and timing (default {d.Threads}).", DefaultValueFactory = _ => d.Threads };
        var pretrained = new Option<string?>("--pretrained") { Description = "Fine-tune this pretrained model as the teacher instead of training one from scratch: a catalogue name (all-MiniLM-L6-v2, arctic-embed-xs), an HF BERT checkpoint folder or an .onnx file next to its vocab.txt." };
        var teacherModel = new Option<string?>("--teacher-model") { Description = "A teacher fine-tuned earlier and saved by 'bench torch spam --save-model DIR': loaded instead of trained (so a full-split teacher is trained once)." };
        var normalize = new Option<bool>("--normalize") { Description = "NormalizeText (NFKC, case folding, HTML to text, whitespace) on train and test mails before training and timing." };
        var stripHeaders = new Option<bool>("--strip-email-headers") { Description = "With --normalize: drop e-mail headers except the Subject, so the first tokens are the message." };
        var noInt8 = new Option<bool>("--no-int8") { Description = "Do not time the teacher and the distilled students in dynamic int8." };
        var teacher = new Option<string>("--teacher") { Description = "From-scratch teacher LAYERSxHIDDEN[xHEADSxFFN] (default 4x256).", DefaultValueFactory = _ => "4x256" };
        var teacherEpochs = new Option<int>("--teacher-epochs") { Description = $"Teacher epochs (default {d.TeacherEpochs}).", DefaultValueFactory = _ => d.TeacherEpochs };
        var teacherLr = new Option<double?>("--teacher-lr") { Description = "Teacher learning rate (default 1e-3 from scratch; with --pretrained the trainer's defaults, encoder 5e-5 and head 1e-3)." };
        var students = new Option<string[]>("--student") { Description = "A student size LAYERSxHIDDEN[xHEADSxFFN]; repeat for several (default 1x256)." };
        var studentEpochs = new Option<int>("--student-epochs") { Description = $"Student epochs (default {d.StudentEpochs}).", DefaultValueFactory = _ => d.StudentEpochs };
        var studentLr = new Option<double?>("--student-lr") { Description = "Student learning rate (default 1e-3 with a from-scratch teacher, 1e-4 with --pretrained)." };
        var temperature = new Option<double>("--temperature") { Description = $"Softmax temperature of the soft targets (default {d.Temperature}).", DefaultValueFactory = _ => d.Temperature };
        var alpha = new Option<double>("--alpha") { Description = $"Weight of the soft-target loss; 1 − alpha goes to the hard labels (default {d.Alpha}).", DefaultValueFactory = _ => d.Alpha };
        var hiddenWeight = new Option<double>("--hidden-weight") { Description = "Weight of the hidden-state loss (default 0)." };
        var batch = new Option<int>("--batch") { Description = $"Rows per training batch (default {d.BatchSize}).", DefaultValueFactory = _ => d.BatchSize };
        var control = new Option<bool>("--control") { Description = "Also train each student on hard labels only (no teacher), as a control." };
        var rounds = new Option<int[]>("--rounds") { Description = $"Interleaved timing rounds at batch 1 and batch 32 (default {d.Batch1Rounds} {d.Batch32Rounds}).", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string?>("--out") { Description = "Also write the markdown tables to this file." };
        var command = new Command("distill", "Teacher vs distilled students: size, interleaved CPU latency (batch 1/32) and accuracy/F1, side by side.")
            { train, test, maxTrain, maxLength, threads, pretrained, teacherModel, normalize, stripHeaders, noInt8, teacher, teacherEpochs, teacherLr, students, studentEpochs, studentLr, temperature, alpha, hiddenWeight, batch, control, rounds, output };
        command.SetAction(p => context.Guard(() =>
        {
            static StudentSize Size(string option, string text)
            {
                try { return StudentSize.Parse(text); }
                catch (FormatException e) { throw new CliException($"{option}: {e.Message}"); }
            }
            if (p.GetValue(stripHeaders) && !p.GetValue(normalize)) throw new CliException("--strip-email-headers needs --normalize.");
            var o = new DistillationBenchmarkOptions
            {
                TrainPath = p.GetValue(train)!, TestPath = p.GetValue(test)!, MaxTrainRows = p.GetValue(maxTrain), MaxLength = p.GetValue(maxLength),
                Threads = p.GetValue(threads),
                Normalization = p.GetValue(normalize) ? new TextNormalizerOptions { StripEmailHeaders = p.GetValue(stripHeaders) } : null,
                Int8 = !p.GetValue(noInt8), Teacher = Size("--teacher", p.GetValue(teacher)!),
                TeacherEpochs = p.GetValue(teacherEpochs), TeacherLearningRate = p.GetValue(teacherLr), StudentEpochs = p.GetValue(studentEpochs),
                StudentLearningRate = p.GetValue(studentLr), Temperature = p.GetValue(temperature), Alpha = p.GetValue(alpha),
                HiddenStateWeight = p.GetValue(hiddenWeight), BatchSize = p.GetValue(batch), HardLabelControl = p.GetValue(control), Log = context.Out,
            };
            if (p.GetValue(students) is { Length: > 0 } s) o.Students = s.Select(t => Size("--student", t)).ToArray();
            if (p.GetValue(rounds) is { Length: > 0 } r)
            {
                if (r.Length != 2) throw new CliException($"--rounds takes two numbers (batch 1, batch 32), not {r.Length}.");
                (o.Batch1Rounds, o.Batch32Rounds) = (r[0], r[1]);
            }
            // Cheap checks first; the catalogue model converts (once, into the model cache) only when the data is there.
            if (p.GetValue(pretrained) is { } given) PretrainedArgument.Validate(given);
            if (p.GetValue(teacherModel) is { } saved)
            {
                if (p.GetValue(pretrained) is not null) throw new CliException("--teacher-model and --pretrained both name the teacher: give one.");
                if (!File.Exists(Path.Combine(saved, "scorer.json"))) throw new CliException($"--teacher-model: '{saved}' is not a folder written by 'bench torch spam --save-model' (no scorer.json).");
                o.TeacherModelPath = saved;
            }
            foreach (var file in new[] { o.TrainPath, o.TestPath })
                if (!File.Exists(file)) throw new CliException($"'{file}' not found (bash scripts/fetch-spamassassin.sh writes data/spam/full/).");
            if (p.GetValue(pretrained) is { } value)
            {
                o.PretrainedModelPath = PretrainedArgument.Resolve(value, context.Out);
                o.PretrainedLabel = PretrainedArgument.Label(value);
            }
            context.Out.WriteLine(TorchBench.Load());
            string markdown = DistillationBenchmark.Run(o).ToMarkdown();
            context.Out.WriteLine();
            context.Out.WriteLine(markdown);
            if (p.GetValue(output) is { } outFile) File.WriteAllText(outFile, markdown);
            return 0;
        }));
        return command;
    }
}
