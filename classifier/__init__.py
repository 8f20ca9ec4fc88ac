"""The classifier: undo evasions, match rules, score with a calibrated model, explain."""

# The score at which a listing is flagged (label 1), chosen by leave-one-author-out
# cross-validation: python -m classifier.threshold. Light to import: the review app and
# the jobs use it without loading the model.
DEFAULT_THRESHOLD = 0.55
