// Package e2e holds stagecoach's end-to-end tests: the real server, the local
// Lever sandbox and providers talk over real HTTP, and the tests assert what a
// recruiter then sees in Lever. They run on SQLite, and on PostgreSQL when
// TEST_DATABASE_URL is set.
package e2e
