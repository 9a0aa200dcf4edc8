package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"strings"
	"sync"

	"github.com/nudgecrm/nudge"
)

// MaxRecord bounds one CSV record (or one vCard) so that a quote left open
// cannot make the reader hold the rest of a large file in memory.
const MaxRecord = 4 << 20

// sniffLen is how much of the start of a file is looked at to tell vCard
// from CSV and to guess the CSV delimiter.
const sniffLen = 64 << 10

// Reader streams ImportRows from a file without holding it in memory: one
// record at a time, whatever the file's size.
type Reader struct {
	dec    *decoder
	format Format
	csv    *csvSource
	vcard  *vcardSource
	read   bool
}

// NewReader sniffs the format of r — vCard by BEGIN:VCARD, CSV by its header
// row; a non-nil m forces FormatMapped — and reads the header. An
// unrecognised header is an error that names the headers seen and suggests
// --map. The encoding is sniffed too (see Encoding).
func NewReader(r io.Reader, m Mapping) (*Reader, error) {
	if r == nil {
		return nil, errors.New("importer: nil reader")
	}
	dec := newDecoder(r)
	in := bufio.NewReaderSize(dec, sniffLen)
	head, err := in.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("reading the start of the file: %w", err)
	}
	rd := &Reader{dec: dec}
	if isVCard(head) {
		if m != nil {
			return nil, nudge.FieldError("map", "this is a vCard file; --map applies to CSV files only")
		}
		rd.format, rd.vcard = FormatVCard, &vcardSource{in: in, zones: newZones()}
		return rd, nil
	}
	rd.csv, err = newCSVSource(in, sniffComma(head), m)
	if err != nil {
		return nil, err
	}
	rd.format = rd.csv.layout.format
	return rd, nil
}

// Format returns the detected format.
func (r *Reader) Format() Format { return r.format }

// Encoding names the text encoding the file is read in: utf-8, utf-8-bom,
// windows-1252 (transcoded to UTF-8), utf-16le or utf-16be. Without a
// byte-order mark it is decided at the first non-ASCII byte, so it is final
// only once All has finished.
func (r *Reader) Encoding() string { return r.dec.Encoding() }

// Headers returns the CSV header row as written (trimmed); nil for vCard.
func (r *Reader) Headers() []string {
	if r.csv == nil {
		return nil
	}
	return r.csv.layout.headers
}

// All yields every record, in file order; blank CSV lines are skipped. A
// row's Err says why it is rejected. A file-level fatal error (an unbalanced
// quote at the end of the file, an over-long record, an I/O error) is
// yielded as a row with Err and Fatal set and the Line where it happened, and
// ends the iteration. The file is read once: a second call yields nothing.
func (r *Reader) All() iter.Seq[nudge.ImportRow] {
	return func(yield func(nudge.ImportRow) bool) {
		if r.read {
			return
		}
		r.read = true
		if r.vcard != nil {
			r.vcard.all(yield)
			return
		}
		r.csv.all(yield)
	}
}

func isVCard(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	const begin = "BEGIN:VCARD"
	return len(head) >= len(begin) && strings.EqualFold(string(head[:len(begin)]), begin)
}

// sniffComma picks the delimiter of the header line: ',' unless ';' (Excel in
// much of Europe) or a tab (Excel's "Unicode text") is more frequent.
func sniffComma(head []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(head) {
		if c == '"' {
			quoted = !quoted
		}
		if c == '\n' && !quoted {
			break
		}
		if !quoted && (c == ',' || c == ';' || c == '\t') {
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// limiter ends a record that grows past MaxRecord.
type limiter struct {
	r        io.Reader
	read     int64 // bytes handed to the csv.Reader
	maxInput int64 // stop handing bytes beyond this offset
}

var errRecordTooLong = errors.New("record too long")

func (l *limiter) Read(p []byte) (int, error) {
	if l.read >= l.maxInput {
		return 0, errRecordTooLong
	}
	if room := l.maxInput - l.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// csvSource reads CSV records under a layout.
type csvSource struct {
	r        *csv.Reader
	lim      *limiter
	layout   *layout
	nextLine int      // where the next record probably starts, for errors without a position
	ahead    *csvRead // a record read ahead, see read
	zones    *zones
	workers  int // goroutines parsing rows; 1 parses on the caller's
}

type csvRead struct {
	fields []string
	line   int
	err    error
}

func newCSVSource(in io.Reader, comma rune, m Mapping) (*csvSource, error) {
	s := &csvSource{lim: &limiter{r: in, maxInput: MaxRecord}, zones: newZones(), workers: runtime.GOMAXPROCS(0)}
	s.r = csv.NewReader(s.lim)
	s.r.Comma = comma
	s.r.FieldsPerRecord = -1 // the count is checked per row, to reject the row rather than stop
	header, err := s.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nudge.Errorf(nudge.EINVALID, "the file is empty: no header row")
	}
	if err != nil {
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return nil, nudge.Errorf(nudge.EINVALID, "line %d: cannot read the header row: %s", pe.StartLine, csvProblem(pe))
		}
		if errors.Is(err, errRecordTooLong) {
			return nil, nudge.Errorf(nudge.EINVALID, "line 1: the header row is longer than %d MiB", MaxRecord>>20)
		}
		return nil, fmt.Errorf("reading the header row: %w", err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
	}
	if m != nil {
		s.layout, err = m.layout(header)
	} else {
		s.layout, err = detect(header)
	}
	if err != nil {
		return nil, err
	}
	s.advance(header)
	return s, nil
}

// advance notes the end of a record just read: the next may be MaxRecord long.
func (s *csvSource) advance(fields []string) {
	s.lim.maxInput = s.r.InputOffset() + MaxRecord
	line, _ := s.r.FieldPos(0)
	for _, f := range fields {
		line += strings.Count(f, "\n")
	}
	s.nextLine = line + 1
}

// read returns the next record and the line it starts on.
func (s *csvSource) read() csvRead {
	if a := s.ahead; a != nil {
		s.ahead = nil
		return *a
	}
	fields, err := s.r.Read()
	if err != nil {
		line := s.nextLine
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			// Reading goes on after a malformed row: give the next one its
			// own MaxRecord. (FieldPos is not valid after an error.)
			line = pe.StartLine
			s.lim.maxInput = s.r.InputOffset() + MaxRecord
			s.nextLine = pe.Line + 1
		}
		return csvRead{fields: fields, line: line, err: err}
	}
	line, _ := s.r.FieldPos(0) // csv.Reader returns at least one field with a nil error
	s.advance(fields)
	return csvRead{fields: fields, line: line}
}

func (s *csvSource) all(yield func(nudge.ImportRow) bool) {
	if s.workers > 1 {
		s.allParallel(yield)
		return
	}
	for {
		rd := s.read()
		if errors.Is(rd.err, io.EOF) {
			return
		}
		if rd.err != nil {
			row := s.failure(rd)
			if !yield(row) || row.Fatal {
				return
			}
			continue
		}
		if row, ok := s.parse(rd, s.zones); ok && !yield(row) {
			return
		}
	}
}

// parse turns a record read without error into a row; ok is false for a
// blank record, which is skipped. zones must not be shared between
// goroutines.
func (s *csvSource) parse(rd csvRead, zones *zones) (row nudge.ImportRow, ok bool) {
	for i, f := range rd.fields {
		rd.fields[i] = strings.TrimSpace(f)
	}
	if blank(rd.fields) {
		return row, false
	}
	rec := record{l: s.layout, fields: rd.fields, zones: zones}
	row.Line = rd.line
	if row.Value, row.Err = rec.check(); row.Err == nil {
		row.Person, row.CompanyName, row.Value, row.Err = rec.person()
	}
	return row, true
}

// parseBatch is how many records a parse worker takes at a time: enough that
// handing batches between goroutines costs little beside parsing them.
const parseBatch = 256

// parseJob is a batch of records in file order, and once done is closed,
// their rows.
type parseJob struct {
	recs []csvRead
	read []*nudge.ImportRow // per record: the row a read failure became, or nil
	rows []nudge.ImportRow
	done chan struct{}
}

// allParallel is all with the rows parsed (normalising the email and phone
// dominates, see BenchmarkReader) on s.workers goroutines, while this
// goroutine's helper reads the file: rows come out in file order, with their
// line numbers. At most 2 × workers batches are in flight, so memory stays
// flat; when yield stops the iteration, the helpers are stopped and waited
// for before allParallel returns.
func (s *csvSource) allParallel(yield func(nudge.ImportRow) bool) {
	work := make(chan *parseJob, s.workers)
	order := make(chan *parseJob, 2*s.workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()
	wg.Go(func() {
		defer close(work)
		defer close(order)
		send := func(j *parseJob) bool {
			select {
			case work <- j:
			case <-stop:
				return false
			}
			select {
			case order <- j:
				return true
			case <-stop:
				return false
			}
		}
		newJob := func() *parseJob {
			return &parseJob{recs: make([]csvRead, 0, parseBatch), read: make([]*nudge.ImportRow, 0, parseBatch), done: make(chan struct{})}
		}
		job := newJob()
		for {
			rd := s.read()
			if errors.Is(rd.err, io.EOF) {
				break
			}
			var failed *nudge.ImportRow
			if rd.err != nil {
				row := s.failure(rd)
				failed = &row
			}
			job.recs, job.read = append(job.recs, rd), append(job.read, failed)
			if failed != nil && failed.Fatal {
				break
			}
			if len(job.recs) == parseBatch {
				if !send(job) {
					return
				}
				job = newJob()
			}
		}
		if len(job.recs) > 0 {
			send(job)
		}
	})
	for range s.workers {
		zones := newZones() // a cache per worker: zones is not safe to share
		wg.Go(func() {
			for job := range work {
				job.rows = make([]nudge.ImportRow, 0, len(job.recs))
				for i, rd := range job.recs {
					if job.read[i] != nil {
						job.rows = append(job.rows, *job.read[i])
					} else if row, ok := s.parse(rd, zones); ok {
						job.rows = append(job.rows, row)
					}
				}
				close(job.done)
			}
		})
	}
	for job := range order {
		<-job.done
		for _, row := range job.rows {
			if !yield(row) {
				return
			}
		}
	}
}

// failure turns a read error into a rejected row, or a fatal one.
func (s *csvSource) failure(rd csvRead) nudge.ImportRow {
	row := nudge.ImportRow{Line: max(rd.line, 1)}
	pe, isParse := errors.AsType[*csv.ParseError](rd.err)
	switch {
	case isParse && errors.Is(pe.Err, csv.ErrQuote):
		// A quoted field that is never closed runs to the end of the file;
		// one closed too early leaves a stray quote and reading goes on.
		// Only reading ahead tells the two apart.
		next := s.read()
		if errors.Is(next.err, io.EOF) {
			row.Err = nudge.Errorf(nudge.EINVALID, "unbalanced quote: a quoted field in the row that starts on line %d is never closed, so the rest of the file (to line %d) cannot be read", pe.StartLine, pe.Line)
			row.Fatal = true
			return row
		}
		s.ahead = &next
		row.Err = nudge.Errorf(nudge.EINVALID, "%s", csvProblem(pe))
	case isParse:
		row.Err = nudge.Errorf(nudge.EINVALID, "%s", csvProblem(pe))
	case errors.Is(rd.err, errRecordTooLong):
		row.Err = nudge.Errorf(nudge.EINVALID, "the row that starts near line %d is longer than %d MiB, so the rest of the file cannot be read (a quote left open?)", row.Line, MaxRecord>>20)
		row.Fatal = true
	default:
		row.Err = fmt.Errorf("reading near line %d: %w", row.Line, rd.err)
		row.Fatal = true
	}
	return row
}

// csvProblem says what is wrong in words a spreadsheet user can act on.
func csvProblem(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf(`a " inside an unquoted field (line %d, column %d): put the whole field in quotes and double the quote ("")`, pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf(`a stray " after a quoted field (line %d, column %d): a quote inside a quoted field must be doubled ("")`, pe.Line, pe.Column)
	}
	return fmt.Sprintf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
}
