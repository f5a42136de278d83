package ats

import "time"

// EventKind is what happened to an application, in stagecoach's words.
type EventKind string

// The event kinds a driver parses deliveries into.
const (
	EventApplicationCreated EventKind = "application.created"
	EventStageChanged       EventKind = "application.stage_changed"
	EventArchived           EventKind = "application.archived" // archived or unarchived; Archived says which
	EventHired              EventKind = "application.hired"
	EventDeleted            EventKind = "application.deleted"
	EventInterviewCreated   EventKind = "interview.created"
	EventInterviewUpdated   EventKind = "interview.updated"
	EventInterviewDeleted   EventKind = "interview.deleted"
)

// EventKinds lists every kind.
var EventKinds = []EventKind{
	EventApplicationCreated, EventStageChanged, EventArchived, EventHired, EventDeleted,
	EventInterviewCreated, EventInterviewUpdated, EventInterviewDeleted,
}

// Delivery is one verified webhook delivery.
type Delivery struct {
	// ID identifies the delivery for deduplication: the ATS's event id, or
	// what the driver derives from the signed parts when there is none.
	ID string
	// At is when the ATS says the event happened.
	At time.Time
	// Test marks the ATS's test request (Lever's "verify connection"): it
	// carries no events and is acted on by nothing.
	Test bool
	// Events are the domain events the delivery carries (none for a test).
	Events []Event
}

// Event is one thing that happened to an application. Handlers re-read the
// application through the driver before acting: a delivery's data may be
// stale, and not every ATS signs it all (Lever signs only its token and
// time).
type Event struct {
	Kind          EventKind
	ApplicationID string
	CandidateID   string
	// ToStageID and FromStageID are set for EventStageChanged.
	ToStageID, FromStageID string
	// Archived is set for EventArchived: true when archived, false when
	// restored; nil when the delivery does not say. ArchivedAt and
	// ArchiveReasonID say when and why, where the delivery tells.
	Archived        *bool
	ArchivedAt      time.Time
	ArchiveReasonID string
	// DeletedBy is the user who deleted the application (EventDeleted),
	// where the ATS tells.
	DeletedBy string
	// InterviewID is set for the interview events; PanelID too where the
	// ATS groups interviews in panels.
	InterviewID, PanelID string
	// Native is the ATS's own event name ("candidateStageChange").
	Native string
	// Data is the event's payload as the ATS sent it.
	Data []byte
}

// EventNames are one ATS's own names for the port's event kinds (the names
// its webhooks are registered and stored under), and how it reads the data
// of an event stored under one of them.
type EventNames interface {
	// Names lists every event name the ATS delivers, in its own order.
	Names() []string
	// Native is the ATS's name for a kind; "" when it has none.
	Native(kind EventKind) string
	// Kind is the kind of a native name; ok is false for an event the port
	// has no kind for.
	Kind(native string) (kind EventKind, ok bool)
	// Decode reads the data of an event stored under a native name (as the
	// delivery carried it; empty for none).
	Decode(native string, data []byte) (Event, error)
}
