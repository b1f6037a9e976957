-- Whether processing a failed video again can help. false when the file itself is the problem
-- (not a video, unsupported codec, too long): the creator must upload a different file, and the
-- web app does not offer "Try again". true for failures on our side (worker crashes, repeated
-- errors). Rows failed before this column existed keep the old behaviour: retry offered.
ALTER TABLE videos ADD COLUMN failure_retryable boolean NOT NULL DEFAULT true;
