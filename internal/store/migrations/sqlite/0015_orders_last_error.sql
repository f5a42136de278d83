-- Why the last event the provider reported could not be written to Lever
-- (a report.url that was refused or served no PDF); '' when nothing failed.
-- The provider sees it as the order's lastError.
ALTER TABLE orders ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
