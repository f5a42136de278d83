package leversandbox

import (
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// processedExts are the formats Lever documents as supported uploads.
var processedExts = []string{".docx", ".doc", ".js", ".jpg", ".jpeg", ".png", ".pdf", ".txt"}

type fileView struct {
	ID          string `json:"id"`
	DownloadURL string `json:"downloadUrl"`
	Ext         string `json:"ext"`
	Name        string `json:"name"`
	UploadedAt  int64  `json:"uploadedAt"`
	Status      string `json:"status"`
	Size        int64  `json:"size"`
}

func viewFile(f *file, downloadURL string) fileView {
	return fileView{ID: f.ID, DownloadURL: downloadURL, Ext: f.Ext, Name: f.Name, UploadedAt: f.UploadedAt, Status: f.Status, Size: f.Size}
}

func fileDownloadURL(base string, f *file) string {
	return base + "/opportunities/" + f.OpportunityID + "/files/" + f.ID + "/download"
}

type resumeFileView struct {
	Name        string `json:"name"`
	Ext         string `json:"ext"`
	DownloadURL string `json:"downloadUrl"`
	UploadedAt  int64  `json:"uploadedAt"`
	Status      string `json:"status"`
	Size        int64  `json:"size"`
}

type resumeView struct {
	ID         string          `json:"id"`
	CreatedAt  int64           `json:"createdAt"`
	File       *resumeFileView `json:"file"`
	ParsedData parsedData      `json:"parsedData"`
}

type parsedData struct {
	Positions []any `json:"positions"`
	Schools   []any `json:"schools"`
}

func viewResume(rs *resume, base string) resumeView {
	v := resumeView{ID: rs.ID, CreatedAt: rs.CreatedAt, ParsedData: parsedData{Positions: []any{}, Schools: []any{}}}
	if f := rs.File; f != nil {
		v.File = &resumeFileView{
			Name: f.Name, Ext: f.Ext, DownloadURL: base + "/opportunities/" + rs.OpportunityID + "/resumes/" + rs.ID + "/download",
			UploadedAt: f.UploadedAt, Status: f.Status, Size: f.Size,
		}
	}
	return v
}

// newFile stores an upload's metadata and bytes. An empty file could not be
// processed (status error: downloads answer 422); unknown formats are kept
// as unsupported.
func (s *Sandbox) newFile(oppID string, u *upload, by string, now int64) *file {
	ext := strings.ToLower(path.Ext(u.name))
	status := "processed"
	switch {
	case len(u.data) == 0:
		status = "error"
	case !slices.Contains(processedExts, ext):
		status = "unsupported"
	}
	ctype := u.ctype
	if ctype == "" || ctype == "application/octet-stream" {
		if t := mime.TypeByExtension(ext); t != "" {
			ctype = t
		} else {
			ctype = http.DetectContentType(u.data)
		}
	}
	return &file{
		ID: newID(), OpportunityID: oppID, Name: u.name, Ext: ext, ContentType: ctype, Size: int64(len(u.data)),
		UploadedAt: now, Status: status, UploadedBy: by, Data: u.data,
	}
}

func fileKey(f *file) (int64, string) { return f.UploadedAt, f.ID }

// filesOf lists an opportunity's files in list order.
func (s *Sandbox) filesOf(oppID string) []*file {
	var out []*file
	for _, f := range sortedValues(s.st.Files, fileKey) {
		if f.OpportunityID == oppID {
			out = append(out, f)
		}
	}
	return out
}

func uploadedRange(r *http.Request) (*int64, *int64, error) {
	q := r.URL.Query()
	start, err := millisParam(q, "uploaded_at_start")
	if err != nil {
		return nil, nil, err
	}
	end, err := millisParam(q, "uploaded_at_end")
	return start, end, err
}

func (s *Sandbox) handleFileList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	start, end, err := uploadedRange(r)
	if err != nil {
		return nil, err
	}
	files := slices.DeleteFunc(s.filesOf(o.ID), func(f *file) bool { return !inRange(f.UploadedAt, start, end) })
	items, p, err := paginate(s, r, files, fileKey)
	if err != nil {
		return nil, err
	}
	base := s.baseURL(r)
	out := make([]fileView, 0, len(items))
	for _, f := range items {
		out = append(out, viewFile(f, fileDownloadURL(base, f)))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) fileFor(r *http.Request, c *credential) (*file, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("file")
	f := s.st.Files[id]
	if f == nil || f.OpportunityID != o.ID {
		return nil, errNotFound("files", id)
	}
	return f, nil
}

func (s *Sandbox) handleFileGet(r *http.Request, c *credential) (*reply, error) {
	f, err := s.fileFor(r, c)
	if err != nil {
		return nil, err
	}
	return ok(viewFile(f, fileDownloadURL(s.baseURL(r), f))), nil
}

func downloadReply(f *file) (*reply, error) {
	if f.Status == "error" {
		return nil, errUnprocessable("file %s could not be processed", f.ID)
	}
	return &reply{status: http.StatusOK, raw: f.Data, ctype: f.ContentType, name: f.Name}, nil
}

func (s *Sandbox) handleFileDownload(r *http.Request, c *credential) (*reply, error) {
	f, err := s.fileFor(r, c)
	if err != nil {
		return nil, err
	}
	return downloadReply(f)
}

func (s *Sandbox) handleFileUpload(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	u, err := singleUpload(r)
	if err != nil {
		return nil, err
	}
	f := s.newFile(o.ID, u, by.ID, s.now())
	s.st.Files[f.ID] = f
	return created(viewFile(f, fileDownloadURL(s.baseURL(r), f))), nil
}

// singleUpload reads the multipart field "file" (at most 30 MB).
func singleUpload(r *http.Request) (*upload, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, errBadRequest("the body must be multipart/form-data with a file field")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxFileSize+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, errBadRequest("file is larger than 30 MB")
		}
		return nil, errBadRequest("invalid multipart body: %v", err)
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) == 0 {
		return nil, errBadRequest("file is required (multipart field \"file\")")
	}
	return readUpload(fhs[0])
}

func (s *Sandbox) handleFileDelete(r *http.Request, c *credential) (*reply, error) {
	f, err := s.fileFor(r, c)
	if err != nil {
		return nil, err
	}
	if _, err := s.performAs(r, true); err != nil {
		return nil, err
	}
	delete(s.st.Files, f.ID)
	return noContent(), nil
}

func resumeKey(rs *resume) (int64, string) {
	if rs.File != nil {
		return rs.File.UploadedAt, rs.ID
	}
	return rs.CreatedAt, rs.ID
}

func (s *Sandbox) handleResumeList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	start, end, err := uploadedRange(r)
	if err != nil {
		return nil, err
	}
	var list []*resume
	for _, rs := range sortedValues(s.st.Resumes, resumeKey) {
		if k, _ := resumeKey(rs); rs.OpportunityID == o.ID && inRange(k, start, end) {
			list = append(list, rs)
		}
	}
	items, p, err := paginate(s, r, list, resumeKey)
	if err != nil {
		return nil, err
	}
	base := s.baseURL(r)
	out := make([]resumeView, 0, len(items))
	for _, rs := range items {
		out = append(out, viewResume(rs, base))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) resumeFor(r *http.Request, c *credential) (*resume, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("resume")
	rs := s.st.Resumes[id]
	if rs == nil || rs.OpportunityID != o.ID {
		return nil, errNotFound("resumes", id)
	}
	return rs, nil
}

func (s *Sandbox) handleResumeGet(r *http.Request, c *credential) (*reply, error) {
	rs, err := s.resumeFor(r, c)
	if err != nil {
		return nil, err
	}
	return ok(viewResume(rs, s.baseURL(r))), nil
}

func (s *Sandbox) handleResumeDownload(r *http.Request, c *credential) (*reply, error) {
	rs, err := s.resumeFor(r, c)
	if err != nil {
		return nil, err
	}
	if rs.File == nil {
		return nil, errUnprocessable("resume %s has no file", rs.ID)
	}
	return downloadReply(rs.File)
}

// handleUploadCreate is POST /uploads: a temporary upload for the
// apply-to-posting endpoint. The sandbox keeps only its metadata.
func (s *Sandbox) handleUploadCreate(r *http.Request, _ *credential) (*reply, error) {
	u, err := singleUpload(r)
	if err != nil {
		return nil, err
	}
	id := newID()
	return created(map[string]any{
		"expiresAt": s.now() + (24 * time.Hour).Milliseconds(), "filename": u.name, "id": id,
		"uri": s.baseURL(r) + "/uploads/" + id, "size": len(u.data),
	}), nil
}
