package store

// indexedBy names the index a listing walks, on SQLite. SQLite plans without
// statistics (stagecoach never runs ANALYZE), so with several filters it
// cannot tell a connection's hundred orders from a provider's hundred
// thousand; the listings name the index of their most selective filter, the
// one that also gives the rows in the listing's order. PostgreSQL chooses
// from the statistics autovacuum keeps. See migration 0030.
func (tx *Tx) indexedBy(index string) string {
	if tx.db.dialect != SQLite || index == "" {
		return ""
	}
	return ` INDEXED BY ` + index
}

// orderIndex returns the index for a listing of orders filtered by the
// non-empty ones of these, most selective first.
func orderIndex(opportunityID, postingID, connectionID, providerID, status string) string {
	switch {
	case opportunityID != "":
		return "orders_opportunity_updated"
	case postingID != "":
		return "orders_posting_updated"
	case connectionID != "":
		return "orders_connection_updated"
	case providerID != "" && status != "":
		return "orders_provider_status_updated"
	case providerID != "":
		return "orders_provider_updated"
	case status != "":
		return "orders_status_updated"
	}
	return "orders_updated"
}
