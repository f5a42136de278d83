package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// requestInfo carries what inner handlers learn that the request log line
// wants: the provider, once authenticated.
type requestInfo struct {
	providerID string
}

type requestInfoKey struct{}

// logRequests logs one line per request (never its headers or body) and
// turns a panic into a 500 problem.
func (a *API) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.cfg.NowFunc()
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if sw.status == 0 {
					a.problem(sw, r, fmt.Errorf("panic: %v", v))
				} else {
					a.log.Error("panic after the answer started", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", v))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Duration("duration", a.cfg.NowFunc().Sub(start)),
			}
			if info.providerID != "" {
				attrs = append(attrs, slog.String("provider_id", info.providerID))
			}
			a.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// authenticate finds the provider of the request's bearer API key (stored
// as the hex SHA-256 of the key) and puts it in the request's context. A
// missing or unknown key answers 401. The lookup is by hash, so a key is
// never compared byte by byte against a stored secret.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer`)
			a.problem(w, r, domain.Errorf(domain.EUnauthorized, "missing API key: send it as Authorization: Bearer <key>"))
			return
		}
		var p *domain.Provider
		err := a.db.ReadTx(r.Context(), func(tx *store.Tx) (err error) {
			p, err = tx.ProviderByKeyHash(r.Context(), admin.HashAPIKey(key))
			return err
		})
		if err != nil {
			if domain.ErrorCode(err) == domain.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
			a.problem(w, r, err)
			return
		}
		if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
			info.providerID = p.ID
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), providerKey{}, p)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>" value.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

// idempotent honours the Idempotency-Key header of an authenticated
// provider's request. The request is identified by its method, path and
// body: a repeat of a stored key with the same request replays the stored
// status and body (with Idempotent-Replayed: true); the same key with
// another request is a conflict. Otherwise the handler runs and its answer
// is stored, unless it is a 5xx, which a retry may mend.
//
// Two requests with the same key that arrive at the same time may both miss
// the stored answer and both run: the store has no way to reserve a key
// before the handler runs. That is acceptable because the engine checks the
// order's status transition in its own transaction, so the second of two
// identical reports answers 409 conflict rather than reporting twice. The
// exception is "invited", which the engine lets repeat (a refreshed link):
// two racing copies of it are both recorded. The answer stored last wins.
func (a *API) idempotent(next http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > maxIdempotencyKey {
			a.problem(w, r, &domain.Error{Code: domain.EInvalid,
				Message: fmt.Sprintf("the Idempotency-Key header is longer than %d characters", maxIdempotencyKey),
				Fields:  []domain.FieldError{{Field: "Idempotency-Key", Message: fmt.Sprintf("must be at most %d characters", maxIdempotencyKey)}}})
			return
		}
		p, err := mustProvider(r)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				a.problem(w, r, domain.Errorf(domain.ETooLarge, "the request body is larger than %d bytes", maxBody))
				return
			}
			a.problem(w, r, domain.Errorf(domain.EInvalid, "the request body cannot be read: %v", err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		hash := requestHash(r.Method, r.URL.Path, body)

		var stored *store.IdempotentResponse
		err = a.db.ReadTx(r.Context(), func(tx *store.Tx) (err error) {
			stored, err = tx.IdempotencyGet(r.Context(), p.ID, key)
			return err
		})
		if err != nil {
			a.problem(w, r, fmt.Errorf("look up idempotency key: %w", err))
			return
		}
		if stored != nil {
			if stored.RequestHash != hash {
				a.problem(w, r, domain.Errorf(domain.EConflict, "this Idempotency-Key was used with a different request: use a new key for a new request"))
				return
			}
			contentType := "application/json"
			if stored.Status >= 400 {
				contentType = "application/problem+json"
			}
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(stored.Status)
			_, _ = w.Write(stored.Body)
			return
		}

		cw := &captureWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		status := cw.status
		if status == 0 {
			status = http.StatusOK
		}
		if status >= 500 {
			return
		}
		// The request's context may be cancelled once the answer is sent;
		// the key must be stored all the same.
		ctx := context.WithoutCancel(r.Context())
		err = a.db.InTx(ctx, func(tx *store.Tx) error {
			return tx.IdempotencyPut(ctx, p.ID, key, store.IdempotentResponse{RequestHash: hash, Status: status, Body: cw.body.Bytes()})
		})
		if err != nil {
			a.log.Error("store idempotency key failed", slog.String("provider_id", p.ID), slog.String("path", r.URL.Path), slog.Any("error", err))
		}
	})
}

func requestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// captureWriter passes an answer through and keeps a copy of its status and
// body.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *captureWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var (
	_ http.ResponseWriter = (*statusWriter)(nil)
	_ http.ResponseWriter = (*captureWriter)(nil)
)
