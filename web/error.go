package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/nudgecrm/nudge"
)

// badRequest marks an EINVALID error about the request itself (malformed
// JSON, a non-numeric id) rather than about the data: 400, not 422.
type badRequest struct{ err *nudge.Error }

func (e badRequest) Error() string { return e.err.Error() }
func (e badRequest) Unwrap() error { return e.err }

// malformed returns a 400 error about a request field.
func malformed(field, format string, args ...any) error {
	return badRequest{nudge.FieldError(field, format, args...)}
}

// statusError carries a status no error code maps to: 429 for too many
// failed sign-ins, 403 for a cross-origin request.
type statusError struct {
	code int
	kind string // the API error code
	msg  string
}

func (e statusError) Error() string { return e.msg }

// status maps an error to its HTTP status. c is nil before authentication.
func status(err error, c *call) int {
	if _, ok := errors.AsType[badRequest](err); ok {
		return http.StatusBadRequest
	}
	if e, ok := errors.AsType[statusError](err); ok {
		return e.code
	}
	switch nudge.ErrorCode(err) {
	case nudge.EINVALID:
		return http.StatusUnprocessableEntity
	case nudge.ENOTFOUND:
		return http.StatusNotFound
	case nudge.ECONFLICT:
		return http.StatusConflict
	case nudge.EUNAUTHORIZED:
		if c == nil || c.user == nil {
			return http.StatusUnauthorized
		}
		return http.StatusForbidden
	case nudge.EFORGOTTEN:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// apiError is the JSON body of every API error.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// fail is the one error path of pages and API alike (WTF Dial's http.Error):
// it picks the status from the error's code, logs internal errors with their
// chain (users see only "internal error"), and answers JSON to the API or a
// client that asks for it, an HTML page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, c *call, err error) {
	code := status(err, c)
	msg := nudge.ErrorMessage(err)
	ecode := nudge.ErrorCode(err)
	field := ""
	if e, ok := errors.AsType[*nudge.Error](err); ok {
		msg, field = e.Message, e.Field
	}
	switch code {
	case http.StatusInternalServerError:
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", logPath(r), "err", err)
		msg, field = "internal error", ""
	}
	if e, ok := errors.AsType[statusError](err); ok {
		ecode, msg = e.kind, e.msg
	}
	if wantsJSON(r) {
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nudge"`)
		}
		writeJSON(w, code, apiError{apiErrorBody{Code: ecode, Message: msg, Field: field}})
		return
	}
	v := &view{Title: http.StatusText(code), Data: errorPage{Status: code, Message: msg}}
	if c != nil {
		v.User, v.CSRF = c.user, c.csrfToken()
	}
	s.render(w, r, code, "error", v)
}

// errorPage is the data of the HTML error page.
type errorPage struct {
	Status  int
	Message string
}

// wantsJSON reports whether the answer should be JSON: always under /api/,
// else when the client prefers it (Accept).
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// writeJSON answers v as compact JSON with the status (indenting cost a
// quarter of the agenda API's CPU in the wrk benchmark).
func writeJSON(w http.ResponseWriter, code int, v any) {
	// Encoding into a buffer first sends one write with a Content-Length
	// rather than a chunked stream, and an encoding error still gets a
	// clean 500 instead of half a body.
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // do not keep a rare huge answer's buffer
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":{"code":"` + nudge.EINTERNAL + `","message":"internal error: cannot encode the answer"}}` + "\n"))
		return
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// jsonBuffers recycles the buffers of writeJSON.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
