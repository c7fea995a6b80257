// libtorch's random generator is process-wide: trainings running in parallel would draw each other's dropout masks,
// and the seeded-reproducibility tests could not hold. Two cores gain nothing from parallel test classes anyway.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
