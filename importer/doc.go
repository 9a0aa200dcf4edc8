// Package importer reads contacts exported from other CRMs (and from nudge)
// into nudge.ImportRows, and writes nudge's own CSV export.
//
// A Reader streams: it holds one record at a time, so a 1,000,000-row file
// reads in flat memory. Each row carries the 1-based line its record starts
// on, a Person already normalised by Person.Validate, the company it names,
// or the error (a *nudge.Error naming the field) that rejects it. Storing the
// rows — deduplication, all-or-nothing, the report — is the store's job.
//
// # Formats
//
// NewReader tells the format from the content: a file starting with
// BEGIN:VCARD is vCard (3.0 or 4.0); any other file is CSV, recognised by its
// header row. Headers are compared without regard to case, spaces or
// punctuation ("Country/Region" = "country region"). Columns not listed are
// ignored. When several columns feed one field, the first non-empty one in
// the order below wins.
//
//	nudge field      HubSpot contacts          Salesforce contacts/leads          Pipedrive people
//	---------------  ------------------------  ---------------------------------  -------------------------------------------
//	name             -                         Full Name                          Person - Name, Name
//	first_name       First Name                First Name, FirstName              Person - First name, First name
//	last_name        Last Name                 Last Name, LastName                Person - Last name, Last name
//	email            Email                     Email                              Person - Email[ - Work|Home|Other], Email[ - …]
//	phone            Phone Number,             Phone, Mobile, Mobile Phone,       Person - Phone[ - Work|Mobile|Home|Other],
//	                 Mobile Phone Number       MobilePhone                        Phone[ - …]
//	company          Company Name,             Account Name, Account: Account     Person - Organization, Organization,
//	                 Associated Company,       Name, Company / Account, Company   Organization - Name
//	                 Company
//	title            Job Title                 Title                              Person - Job title, Job title
//	city             City                      Mailing City, MailingCity, City    Person - Postal address - City/town/village/locality
//	country          Country/Region, Country   Mailing Country, MailingCountry,   Person - Postal address - Country
//	                                           Country
//	tz               Time Zone                 -                                  -
//	status           Lifecycle Stage (1)       -                                  -
//	do_not_contact   Unsubscribed from all     Email Opt Out, HasOptedOutOfEmail, Person - Marketing status,
//	  (G1)           email                     Do Not Call, DoNotCall (2)         Marketing status = "Unsubscribed"
//
// Also recognised, so that they count towards telling the formats apart, but
// not imported: HubSpot Record ID, Contact owner, Lead Status, State/Region,
// Street Address, Postal Code, Create Date, Last Activity Date; Salesforce
// Contact ID, Lead ID, Contact Owner, Lead Owner, Lead Source, Lead Status,
// Mailing Street, Mailing State/Province, Mailing Zip/Postal Code,
// Salutation, Department; Pipedrive Person - ID, Person - Owner, Person -
// Label, Person - Postal address, Person - Person created, Person - Open
// deals, Owner, Label. Owners are not carried over: the import's --owner
// (ImportOptions.OwnerID) owns the new people.
//
// (1) HubSpot lifecycle stages: customer and evangelist → customer;
// opportunity and salesqualifiedlead → prospect; any other → lead.
// (2) G1 is a hard stop on every channel: nudge has no per-channel block, so
// "Do Not Call" stops email too, erring on the side of silence.
//
// The CRM that recognises the most headers wins (ties: HubSpot, Salesforce,
// Pipedrive); a header row in which none finds a name or email column is an
// error that lists the headers and suggests --map.
//
// nudge's own export (FormatNudge, written by WriteCSV) has one column per
// Person field, named as in --map where the names overlap:
//
//	id, name, email, phone, title, company, tz, country, city, lat, lon,
//	preferred_channel, assistant, ok_to_say_no, pain_gain, interests,
//	buying_role, reports_to_id, status, do_not_contact, do_not_contact_reason,
//	do_not_contact_at, owner_id, company_id, source, created_at, updated_at
//
// A file whose every header is one of these (plus first_name, last_name and
// reason, an alias of do_not_contact_reason) reads as FormatNudge, so a
// hand-made "name,email,phone" file needs no --map. The ids, owner,
// timestamps and source are read back as written; what a store does with
// them (keep, ignore, remap) is its choice. Text values starting with
// = + - @ or a tab are written with a leading apostrophe so spreadsheets do
// not run them as formulas, and the apostrophe is removed on import. A round
// trip is lossless except that values are trimmed and a CR LF inside a value
// becomes LF (encoding/csv's reading).
//
// Any other CSV needs a Mapping (--map "email=E-mail,name=Full name"), naming
// columns for the fields name, first_name, last_name, email, phone, company,
// title, tz, country, city, lat, lon, status, pain_gain, interests,
// preferred_channel and do_not_contact. Only mapped columns are read.
//
// vCard: FN (else N's given, additional and family names), EMAIL, TEL, ORG
// (its first component), TITLE, ADR (locality → city, country), TZ when it is
// an IANA name (UTC offsets are ignored), GEO (3.0 "lat;lon" and 4.0
// "geo:lat,lon") and NOTE (ImportRow.Note). A row's Line is the line of its
// BEGIN:VCARD. The preferred (PREF) value wins when a property repeats.
//
// # Each row
//
// Fields are trimmed. The name is the name column, else first and last name
// joined. A cell listing several emails or phones (Pipedrive: "a@x.com,
// b@y.com") gives the first. The country is normalised first
// (nudge.NormalizeCountry), then the phone is read in it
// (nudge.NormalizePhone, to E.164). Time zones must load with
// time.LoadLocation; HubSpot's "(GMT-05:00) America/New_York" and
// "america_slash_new_york" and lower-cased names are turned into the IANA
// name first. lat and lon come together or not at all (a decimal comma is
// accepted). Then Person.Validate runs. A row whose fields are all empty is
// skipped and not counted; one with a different number of fields than the
// header, a field over MaxField (64 KiB) or invalid UTF-8 is rejected.
//
// # Files
//
// A UTF-8 byte-order mark is dropped; UTF-16 files with a byte-order mark are
// transcoded. Without one, the first non-ASCII byte decides: valid UTF-8, or
// Windows-1252 (Excel's "CSV" on Western Windows, a superset of Latin-1's
// letters), transcoded to UTF-8; Reader.Encoding names the choice. CRLF and LF
// both work; the delimiter is ',' unless the header row has more ';' or tabs.
// A quoted field may hold newlines: the row's Line is where its record
// starts. A stray or bare quote rejects that row; a quote never closed before
// the end of the file, a record over MaxRecord (4 MiB) or an I/O error is
// fatal: yielded as a last row with Fatal set.
package importer
