-- Record the data-quality checks evaluated on a batch (Arrow table `batch`).
INSERT INTO dq_results (run_id, stage, check_name, severity, success, observed, unexpected_count,
                        element_count, batch, evaluated_at)
SELECT $run_id, stage, check_name, severity, success, observed, unexpected_count, element_count,
       batch, now()
FROM batch;
