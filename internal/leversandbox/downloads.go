package leversandbox

import "net/http"

// The web app's download links: where a file's downloadUrl points, as
// Lever's points into its web app.

// handlePageFileDownload serves a file to the browser; this is where a
// file's downloadUrl points, as Lever's points into its web app.
func (s *Sandbox) handlePageFileDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.st.Files[r.PathValue("file")]
	var rep *reply
	var err error
	if f == nil || f.OpportunityID != r.PathValue("id") {
		err = errNotFound("files", r.PathValue("file"))
	} else {
		rep, err = downloadReply(f)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	rep.write(w)
}

func (s *Sandbox) handlePageResumeDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs := s.st.Resumes[r.PathValue("resume")]
	var rep *reply
	var err error
	switch {
	case rs == nil || rs.OpportunityID != r.PathValue("id"):
		err = errNotFound("resumes", r.PathValue("resume"))
	case rs.File == nil:
		err = errUnprocessable("resume %s has no file", rs.ID)
	default:
		rep, err = downloadReply(rs.File)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	rep.write(w)
}
