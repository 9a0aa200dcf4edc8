package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/importer"
)

// uploads keeps an uploaded import file between its preview and the import,
// in memory, for a while. A restart forgets it (the user uploads again);
// with several instances the import must reach the instance that showed the
// preview.
type uploads struct {
	clock nudge.Clock
	ttl   time.Duration

	mu    sync.Mutex
	files map[string]*upload
}

type upload struct {
	userID  int64
	name    string
	data    []byte
	expires time.Time
}

func newUploads(clock nudge.Clock, ttl time.Duration) *uploads {
	return &uploads{clock: clock, ttl: ttl, files: map[string]*upload{}}
}

func (u *uploads) put(userID int64, name string, data []byte) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	now := u.clock.Now()
	for k, f := range u.files {
		if now.After(f.expires) {
			delete(u.files, k)
		}
	}
	id := randomToken()
	u.files[id] = &upload{userID: userID, name: name, data: data, expires: now.Add(u.ttl)}
	return id
}

// take returns the user's upload and forgets it.
func (u *uploads) take(userID int64, id string) (*upload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f, ok := u.files[id]
	if !ok || f.userID != userID || u.clock.Now().After(f.expires) {
		return nil, false
	}
	delete(u.files, id)
	return f, true
}

func (u *uploads) peek(userID int64, id string) (*upload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f, ok := u.files[id]
	if !ok || f.userID != userID {
		return nil, false
	}
	return f, true
}

// importData is the Import page in its three states: the form, the preview
// and the report.
type importData struct {
	Owners   []*nudge.User
	Upload   string
	FileName string
	Format   string
	Encoding string
	Headers  []string
	Rows     []nudge.ImportRow
	Report   *nudge.ImportReport
}

// previewRows is how many rows the preview shows.
const previewRows = 5

func (s *Server) importView(w http.ResponseWriter, r *http.Request, c *call) (*view, *importData, error) {
	owners, err := s.visibleUsers(r.Context(), c)
	if err != nil {
		return nil, nil, err
	}
	d := &importData{Owners: owners}
	v := s.newView(w, r, c, "Import", d)
	return v, d, nil
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request, c *call) error {
	v, _, err := s.importView(w, r, c)
	if err != nil {
		return err
	}
	v.Form.Set("owner", strconv.FormatInt(c.user.ID, 10))
	s.render(w, r, http.StatusOK, "import", v)
	return nil
}

// importAgain re-renders the form with the error beside its field.
func (s *Server) importAgain(w http.ResponseWriter, r *http.Request, c *call, err error) error {
	v, _, verr := s.importView(w, r, c)
	if verr != nil {
		return verr
	}
	if !v.formError(err, r.PostForm) {
		return err
	}
	s.render(w, r, http.StatusUnprocessableEntity, "import", v)
	return nil
}

// mappingOf reads the optional column mapping of the form.
func mappingOf(r *http.Request) (importer.Mapping, error) {
	m := strings.TrimSpace(r.PostFormValue("map"))
	if m == "" {
		return nil, nil
	}
	mp, err := importer.ParseMapping(m)
	if err != nil {
		return nil, nudge.FieldError("map", "%s", nudge.ErrorMessage(err))
	}
	return mp, nil
}

// importPreview shows the detected format, the headers and the first rows
// as they will be read, before anything is stored.
func (s *Server) importPreview(w http.ResponseWriter, r *http.Request, c *call) error {
	var data []byte
	var name string
	if id := r.PostFormValue("upload"); id != "" { // preview again with another mapping
		f, ok := s.uploads.peek(c.user.ID, id)
		if !ok {
			return s.importAgain(w, r, c, nudge.FieldError("file", "the upload has expired; choose the file again"))
		}
		data, name = f.data, f.name
	} else {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			return s.importAgain(w, r, c, nudge.FieldError("file", "choose a CSV or vCard file"))
		}
		defer file.Close()
		if data, err = io.ReadAll(file); err != nil {
			return malformed("file", "cannot read the upload: %v", err)
		}
		name = filepath.Base(hdr.Filename)
	}
	m, err := mappingOf(r)
	if err != nil {
		return s.importAgain(w, r, c, err)
	}
	rd, err := importer.NewReader(bytes.NewReader(data), m)
	if err != nil {
		field := "file"
		if m != nil || strings.Contains(err.Error(), "--map") {
			field = "map"
		}
		return s.importAgain(w, r, c, nudge.FieldError(field, "%s: %s", name, nudge.ErrorMessage(err)))
	}
	v, d, err := s.importView(w, r, c)
	if err != nil {
		return err
	}
	d.FileName, d.Format, d.Headers = name, string(rd.Format()), rd.Headers()
	for row := range rd.All() {
		d.Rows = append(d.Rows, row)
		if len(d.Rows) == previewRows {
			break
		}
	}
	d.Encoding = rd.Encoding()
	d.Upload = r.PostFormValue("upload")
	if d.Upload == "" {
		d.Upload = s.uploads.put(c.user.ID, name, data)
	}
	v.Form = r.PostForm
	s.render(w, r, http.StatusOK, "import", v)
	return nil
}

// importRun imports the previewed file: all or nothing unless the user
// asked to skip invalid rows; the report lists rejected rows by line.
func (s *Server) importRun(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	f, ok := s.uploads.take(c.user.ID, r.PostFormValue("upload"))
	if !ok {
		return s.importAgain(w, r, c, nudge.FieldError("file", "the upload has expired; choose the file again"))
	}
	m, err := mappingOf(r)
	if err != nil {
		return s.importAgain(w, r, c, err)
	}
	opts := nudge.ImportOptions{SkipInvalid: r.PostFormValue("skip_invalid") != "", Source: "import:" + f.name, OwnerID: c.user.ID}
	if err := s.applyOwner(ctx, c, r.PostFormValue("owner"), &opts.OwnerID); err != nil {
		return s.importAgain(w, r, c, err)
	}
	rd, err := importer.NewReader(bytes.NewReader(f.data), m)
	if err != nil {
		return s.importAgain(w, r, c, nudge.FieldError("file", "%s: %s", f.name, nudge.ErrorMessage(err)))
	}
	rep, err := s.db.ImportPeople(ctx, rd.All(), opts)
	if err != nil {
		return fmt.Errorf("import %s: %w", f.name, err)
	}
	rep.Format = string(rd.Format())
	if rep.Committed {
		// Plan the new people now, so Today shows their first touches.
		if _, err := s.svc.RunOnce(ctx); err != nil {
			return err
		}
	}
	v, d, err := s.importView(w, r, c)
	if err != nil {
		return err
	}
	d.FileName, d.Report = f.name, rep
	s.render(w, r, http.StatusOK, "import", v)
	return nil
}
