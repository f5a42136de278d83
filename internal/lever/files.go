package lever

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path"
)

// File is a file to upload.
type File struct {
	Name        string // file name shown in Lever, with extension (e.g. "report.pdf")
	ContentType string // MIME type; empty means guessed from the name or the content
	Data        []byte
}

// FileInfo describes a file attached to an opportunity.
type FileInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Ext         string `json:"ext"`         // e.g. ".pdf"
	DownloadURL string `json:"downloadUrl"` // a link into Lever's web app, not the API
	Status      string `json:"status"`      // processing, processed, unsupported, error, or ""
	Size        int64  `json:"size"`        // bytes
	UploadedAt  Millis `json:"uploadedAt"`
}

// UnmarshalJSON tolerates a size given as a string.
func (f *FileInfo) UnmarshalJSON(b []byte) error {
	type plain FileInfo
	aux := struct {
		*plain
		Size flexInt64 `json:"size"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	f.Size = int64(aux.Size)
	return nil
}

// UploadFile attaches f to an opportunity (Lever's limit is 30 MB) as the
// user performAs, which Lever requires.
func (c *Client) UploadFile(ctx context.Context, oppID string, f File, performAs string) (*FileInfo, error) {
	const op = "upload file"
	if err := needID(op, "opportunity id", oppID); err != nil {
		return nil, err
	}
	if err := needPerformAs(op, performAs); err != nil {
		return nil, err
	}
	if f.Name == "" {
		return nil, badRequest(op, "file name is required")
	}
	form := newForm()
	form.file("file", f)
	cl, err := form.call(http.MethodPost, "/opportunities/:id/files", "/opportunities/"+seg(oppID)+"/files")
	if err != nil {
		return nil, err
	}
	var info FileInfo
	if err := c.send(ctx, cl.withPerformAs(performAs), &info); err != nil {
		return nil, err
	}
	return &info, nil
}

// ListFiles iterates over the files attached to an opportunity.
func (c *Client) ListFiles(ctx context.Context, oppID string) iter.Seq2[*FileInfo, error] {
	if err := needID("list files", "opportunity id", oppID); err != nil {
		return failed[FileInfo](err)
	}
	return list[FileInfo](ctx, c, "/opportunities/:id/files", "/opportunities/"+seg(oppID)+"/files", nil, 0)
}

// DownloadFile returns the content of an opportunity's file. A file Lever
// could not process gives an error with status 422 (matching ErrBadRequest).
func (c *Client) DownloadFile(ctx context.Context, oppID, fileID string) ([]byte, error) {
	const op = "download file"
	if err := needID(op, "opportunity id", oppID); err != nil {
		return nil, err
	}
	if err := needID(op, "file id", fileID); err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, &call{
		method: http.MethodGet,
		route:  "/opportunities/:id/files/:file/download",
		path:   "/opportunities/" + seg(oppID) + "/files/" + seg(fileID) + "/download",
		accept: "*/*",
	})
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// Resume is a resume on an opportunity, with what Lever parsed from it.
// File is nil for resumes without a file (e.g. sourced from LinkedIn).
type Resume struct {
	ID         string    `json:"id"`
	CreatedAt  Millis    `json:"createdAt"`
	File       *FileInfo `json:"file"`
	ParsedData struct {
		Positions []ResumePosition `json:"positions"`
		Schools   []ResumeSchool   `json:"schools"`
	} `json:"parsedData"`
}

// ResumePosition is a job parsed from a resume.
type ResumePosition struct {
	Org      string    `json:"org"`
	Title    string    `json:"title"`
	Summary  string    `json:"summary"`
	Location string    `json:"location"`
	Start    YearMonth `json:"start"`
	End      YearMonth `json:"end"`
}

// ResumeSchool is an education entry parsed from a resume.
type ResumeSchool struct {
	Org     string    `json:"org"`
	Degree  string    `json:"degree"`
	Field   string    `json:"field"`
	Summary string    `json:"summary"`
	Start   YearMonth `json:"start"`
	End     YearMonth `json:"end"`
}

// YearMonth is a partial date from a parsed resume; zero fields are unknown.
type YearMonth struct {
	Year  int `json:"year"`
	Month int `json:"month"`
}

// UnmarshalJSON tolerates numbers given as strings.
func (y *YearMonth) UnmarshalJSON(b []byte) error {
	var aux struct {
		Year  flexInt64 `json:"year"`
		Month flexInt64 `json:"month"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*y = YearMonth{Year: int(aux.Year), Month: int(aux.Month)}
	return nil
}

// ListResumes iterates over an opportunity's resumes.
func (c *Client) ListResumes(ctx context.Context, oppID string) iter.Seq2[*Resume, error] {
	if err := needID("list resumes", "opportunity id", oppID); err != nil {
		return failed[Resume](err)
	}
	return list[Resume](ctx, c, "/opportunities/:id/resumes", "/opportunities/"+seg(oppID)+"/resumes", nil, 0)
}

// failed returns an iterator that yields err once.
func failed[T any](err error) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) { yield(nil, err) }
}

// form builds a multipart/form-data body.
type form struct {
	buf bytes.Buffer
	w   *multipart.Writer
	err error
}

func newForm() *form {
	f := &form{}
	f.w = multipart.NewWriter(&f.buf)
	return f
}

// field writes a text field; empty values are skipped.
func (f *form) field(name, value string) {
	if f.err == nil && value != "" {
		f.err = f.w.WriteField(name, value)
	}
}

// array writes one field per value under name (e.g. "tags[]").
func (f *form) array(name string, values []string) {
	for _, v := range values {
		f.field(name, v)
	}
}

// file writes a file part.
func (f *form) file(name string, file File) {
	if f.err != nil {
		return
	}
	ct := file.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(file.Name))
	}
	if ct == "" {
		ct = http.DetectContentType(file.Data)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition(name, file.Name))
	h.Set("Content-Type", ct)
	w, err := f.w.CreatePart(h)
	if err == nil {
		_, err = w.Write(file.Data)
	}
	f.err = err
}

// call finishes the body and returns a write call carrying it.
func (f *form) call(method, route, p string) (*call, error) {
	if f.err == nil {
		f.err = f.w.Close()
	}
	if f.err != nil {
		return nil, fmt.Errorf("lever: %s %s: encode form: %w", method, p, f.err)
	}
	return &call{method: method, route: route, path: p, body: f.buf.Bytes(), contentType: f.w.FormDataContentType()}, nil
}
