// Test classes run one at a time: on two cores parallel test classes gain nothing, and libtorch's intra-op threads of
// concurrent trainings would only oversubscribe them. (Seeded runs no longer need this: dropout masks come from each
// model's own generator — SeededTrainingTests trains concurrently on purpose.)
[assembly: CollectionBehavior(DisableTestParallelization = true)]
