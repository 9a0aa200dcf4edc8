package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encodings a file can be read in; Reader.Encoding names one of them.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF8BOM     = "utf-8-bom"
	EncodingWindows1252 = "windows-1252" // also covers ISO-8859-1 (Latin-1) text
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
)

// decoder turns the bytes of a file into UTF-8 without reading it all first.
//
// A byte-order mark decides at once. Otherwise the file is taken as UTF-8
// until the first non-ASCII byte: if that byte starts a valid UTF-8 sequence
// the file is UTF-8; if not, it is Windows-1252 (what Excel writes on Western
// Windows, and a superset of Latin-1's printable characters). Everything
// before that byte was ASCII, which reads the same in both, so the decision
// can be made late and still apply to the whole file — even when the first
// accent is a million rows in.
type decoder struct {
	src      *bufio.Reader
	encoding string    // "" until decided
	rest     io.Reader // the decoding reader once decided
}

func newDecoder(r io.Reader) *decoder {
	d := &decoder{src: bufio.NewReaderSize(r, 64<<10)}
	head, _ := d.src.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		_, _ = d.src.Discard(3)
		d.decide(EncodingUTF8BOM)
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		d.decide(EncodingUTF16LE)
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		d.decide(EncodingUTF16BE)
	}
	return d
}

func (d *decoder) decide(enc string) {
	d.encoding = enc
	switch enc {
	case EncodingWindows1252:
		d.rest = transform.NewReader(d.src, charmap.Windows1252.NewDecoder())
	case EncodingUTF16LE:
		// ExpectBOM consumes the mark that chose this branch.
		d.rest = transform.NewReader(d.src, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	case EncodingUTF16BE:
		d.rest = transform.NewReader(d.src, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder())
	default:
		d.rest = d.src
	}
}

// Encoding returns the encoding decided so far; a file that was pure ASCII up
// to the point read counts as UTF-8.
func (d *decoder) Encoding() string {
	if d.encoding == "" {
		return EncodingUTF8
	}
	return d.encoding
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.rest != nil {
		return d.rest.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if d.src.Buffered() == 0 {
		if _, err := d.src.Peek(1); err != nil {
			return 0, err
		}
	}
	buf, _ := d.src.Peek(d.src.Buffered())
	i := 0
	for i < len(buf) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 { // pass the ASCII run through untouched
		return d.src.Read(p[:min(len(p), i)])
	}
	// The first non-ASCII byte: decide.
	seq, err := d.src.Peek(utf8.UTFMax)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("reading: %w", err)
	}
	if r, size := utf8.DecodeRune(seq); r == utf8.RuneError && size <= 1 {
		d.decide(EncodingWindows1252)
	} else {
		d.decide(EncodingUTF8)
	}
	return d.rest.Read(p)
}
