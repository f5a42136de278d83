package domain

import "time"

// Synced posting statuses.
const (
	PostingSynced  = "synced"  // the provider has the job
	PostingRemoved = "removed" // the provider was told the job is gone
)

// SyncedPosting is a Lever posting an interview service integration has
// sent to its provider as a job.
type SyncedPosting struct {
	IntegrationID string
	PostingID     string
	Title         string
	ContentHash   string // of the job last sent
	Status        string
	Reason        string // why it was removed: tag_removed, closed, deleted
	CreatedAt     time.Time
	UpdatedAt     time.Time
}
