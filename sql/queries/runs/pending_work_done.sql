-- The recorded work is finished.
DELETE FROM pending_work WHERE task = $task;
