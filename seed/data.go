package seed

import "github.com/nudgecrm/nudge"

// The tables below shape the generated book. The weights are a US/EU B2B
// book: most prospects in the four US zones, a large European share, a tail
// in Asia-Pacific and Latin America.

// region is a zone with its country, cities and a name pool.
type region struct {
	zone    string
	country string
	weight  int
	cities  []city
	names   *namePool
	phone   phonePlan
}

type city struct {
	name     string
	lat, lon float64
}

// phonePlan makes E.164 numbers of the country's length: the country code,
// one of its area codes, then digits.
type phonePlan struct {
	cc     string
	areas  []string
	digits int // subscriber digits after the area code
}

type namePool struct {
	first, last []string
}

var (
	englishNames = &namePool{
		first: []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
			"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Chris", "Karen", "Daniel",
			"Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley", "Andrew", "Emily",
			"Kevin", "Michelle", "Brian", "Amanda", "Jason", "Melissa", "Ryan", "Rebecca", "Jacob", "Laura", "Nicole",
			"Eric", "Rachel", "Jerry", "Elaine", "George", "Priya", "Wei", "Carlos", "Maria", "Olivia", "Noah"},
		last: []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
			"Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin",
			"Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
			"Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Patel", "Nguyen",
			"Chen", "Seinfeld", "Benes", "Costanza", "Kramer", "Murphy", "Evans", "Collins", "Reed"},
	}
	germanNames = &namePool{
		first: []string{"Anna", "Lukas", "Marie", "Leon", "Sophie", "Felix", "Laura", "Jonas", "Lea", "Paul", "Julia",
			"Maximilian", "Katharina", "Tobias", "Sarah", "Florian", "Hannah", "Stefan", "Sabine", "Matthias", "Jürgen",
			"Petra", "Andreas", "Monika", "Thomas"},
		last: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
			"Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz",
			"Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange"},
	}
	frenchNames = &namePool{
		first: []string{"Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Jules", "Inès", "Gabriel",
			"Sarah", "Arthur", "Émilie", "Nicolas", "Julie", "Pierre", "Claire", "Antoine", "Céline", "Mathieu"},
		last: []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
			"Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"},
	}
	dutchNames = &namePool{
		first: []string{"Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Finn", "Tess", "Levi", "Sophie", "Bram", "Anouk"},
		last: []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
			"Smit", "Meijer", "de Boer", "Mulder"},
	}
	spanishNames = &namePool{
		first: []string{"Lucía", "Hugo", "Martina", "Pablo", "Sofía", "Álvaro", "Paula", "Javier", "Carmen", "Diego",
			"Ana", "Sergio", "João", "Beatriz", "Rafael"},
		last: []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
			"Gómez", "Martín", "Silva", "Santos", "Oliveira", "Souza"},
	}
	nordicNames = &namePool{
		first: []string{"Erik", "Astrid", "Lars", "Ingrid", "Nils", "Elsa", "Oskar", "Freja", "Anders", "Maja"},
		last:  []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"},
	}
	japaneseNames = &namePool{
		first: []string{"Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Ren", "Sakura", "Kenji", "Yuki", "Takeshi", "Naomi"},
		last: []string{"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura",
			"Kobayashi", "Kato"},
	}
	asianNames = &namePool{
		first: []string{"Wei Ling", "Jun Jie", "Mei", "Arjun", "Siti", "Ravi", "Hui Min", "Daniel", "Grace", "Marcus"},
		last:  []string{"Tan", "Lim", "Lee", "Ng", "Wong", "Goh", "Chua", "Kumar", "Rahman", "Ong"},
	}
)

var regions = []region{
	{"America/New_York", "US", 22, []city{{"New York", 40.7128, -74.0060}, {"Boston", 42.3601, -71.0589}, {"Atlanta", 33.7490, -84.3880}, {"Miami", 25.7617, -80.1918}, {"Philadelphia", 39.9526, -75.1652}},
		englishNames, phonePlan{"1", []string{"212", "646", "617", "404", "305", "215"}, 7}},
	{"America/Chicago", "US", 14, []city{{"Chicago", 41.8781, -87.6298}, {"Dallas", 32.7767, -96.7970}, {"Houston", 29.7604, -95.3698}, {"Minneapolis", 44.9778, -93.2650}, {"Austin", 30.2672, -97.7431}},
		englishNames, phonePlan{"1", []string{"312", "214", "713", "612", "512"}, 7}},
	{"America/Denver", "US", 5, []city{{"Denver", 39.7392, -104.9903}, {"Salt Lake City", 40.7608, -111.8910}, {"Boulder", 40.0150, -105.2705}},
		englishNames, phonePlan{"1", []string{"303", "720", "801"}, 7}},
	{"America/Phoenix", "US", 2, []city{{"Phoenix", 33.4484, -112.0740}, {"Scottsdale", 33.4942, -111.9261}},
		englishNames, phonePlan{"1", []string{"602", "480"}, 7}},
	{"America/Los_Angeles", "US", 13, []city{{"San Francisco", 37.7749, -122.4194}, {"Los Angeles", 34.0522, -118.2437}, {"Seattle", 47.6062, -122.3321}, {"San Diego", 32.7157, -117.1611}, {"Newport Beach", 33.6189, -117.9289}},
		englishNames, phonePlan{"1", []string{"415", "213", "206", "619", "949"}, 7}},
	{"America/Toronto", "CA", 4, []city{{"Toronto", 43.6532, -79.3832}, {"Ottawa", 45.4215, -75.6972}, {"Montreal", 45.5017, -73.5673}},
		englishNames, phonePlan{"1", []string{"416", "613", "514"}, 7}},
	{"Europe/London", "GB", 10, []city{{"London", 51.5074, -0.1278}, {"Manchester", 53.4808, -2.2426}, {"Bristol", 51.4545, -2.5879}, {"Leeds", 53.8008, -1.5491}},
		englishNames, phonePlan{"44", []string{"20", "161", "117", "113"}, 7}},
	{"Europe/Dublin", "IE", 2, []city{{"Dublin", 53.3498, -6.2603}, {"Cork", 51.8985, -8.4756}},
		englishNames, phonePlan{"353", []string{"1", "21"}, 7}},
	{"Europe/Berlin", "DE", 8, []city{{"Berlin", 52.5200, 13.4050}, {"Munich", 48.1351, 11.5820}, {"Hamburg", 53.5511, 9.9937}, {"Frankfurt", 50.1109, 8.6821}},
		germanNames, phonePlan{"49", []string{"30", "89", "40", "69"}, 8}},
	{"Europe/Zurich", "CH", 2, []city{{"Zurich", 47.3769, 8.5417}, {"Geneva", 46.2044, 6.1432}},
		germanNames, phonePlan{"41", []string{"44", "22"}, 7}},
	{"Europe/Paris", "FR", 6, []city{{"Paris", 48.8566, 2.3522}, {"Lyon", 45.7640, 4.8357}, {"Toulouse", 43.6047, 1.4442}},
		frenchNames, phonePlan{"33", []string{"1", "4", "5"}, 8}},
	{"Europe/Amsterdam", "NL", 3, []city{{"Amsterdam", 52.3676, 4.9041}, {"Rotterdam", 51.9244, 4.4777}, {"Utrecht", 52.0907, 5.1214}},
		dutchNames, phonePlan{"31", []string{"20", "10", "30"}, 7}},
	{"Europe/Madrid", "ES", 2, []city{{"Madrid", 40.4168, -3.7038}, {"Barcelona", 41.3874, 2.1686}},
		spanishNames, phonePlan{"34", []string{"91", "93"}, 7}},
	{"Europe/Stockholm", "SE", 1, []city{{"Stockholm", 59.3293, 18.0686}, {"Gothenburg", 57.7089, 11.9746}},
		nordicNames, phonePlan{"46", []string{"8", "31"}, 7}},
	{"Australia/Sydney", "AU", 3, []city{{"Sydney", -33.8688, 151.2093}, {"Melbourne", -37.8136, 144.9631}},
		englishNames, phonePlan{"61", []string{"2", "3"}, 8}},
	{"Asia/Tokyo", "JP", 2, []city{{"Tokyo", 35.6762, 139.6503}, {"Osaka", 34.6937, 135.5023}},
		japaneseNames, phonePlan{"81", []string{"3", "6"}, 8}},
	{"Asia/Singapore", "SG", 1, []city{{"Singapore", 1.3521, 103.8198}},
		asianNames, phonePlan{"65", []string{"6"}, 7}},
	{"America/Sao_Paulo", "BR", 1, []city{{"São Paulo", -23.5558, -46.6396}, {"Rio de Janeiro", -22.9068, -43.1729}},
		spanishNames, phonePlan{"55", []string{"11", "21"}, 8}},
}

// Companies are named from a word and a kind, with a legal suffix of their
// country; a number keeps names and domains unique past the combinations.
var (
	companyWords = []string{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay",
		"Pendant", "Kramerica", "Soylent", "Cyberdyne", "Tyrell", "Aperture", "Massive", "Northwind", "Contoso",
		"Fabrikam", "Tailspin", "Litware", "Proseware", "Blue Yonder", "Alpine", "Summit", "Harbor", "Granite",
		"Cedar", "Redwood", "Beacon", "Keystone", "Pioneer", "Atlas", "Orion", "Vertex", "Nimbus", "Sterling",
		"Meridian", "Evergreen", "Lakeside"}
	companyKinds = []string{"Logistics", "Analytics", "Health", "Foods", "Manufacturing", "Software", "Capital",
		"Energy", "Homes", "Labs", "Media", "Robotics", "Retail", "Freight", "Dental", "Insurance", "Engineering",
		"Consulting", "Pharma", "Systems"}
	legalSuffix = map[string]string{"US": "Inc.", "CA": "Ltd.", "GB": "Ltd", "IE": "Ltd", "DE": "GmbH", "CH": "AG",
		"FR": "SAS", "NL": "B.V.", "ES": "S.L.", "SE": "AB", "AU": "Pty Ltd", "JP": "K.K.", "SG": "Pte. Ltd.", "BR": "Ltda."}
	topLevel = map[string]string{"US": "com", "CA": "ca", "GB": "co.uk", "IE": "ie", "DE": "de", "CH": "ch", "FR": "fr",
		"NL": "nl", "ES": "es", "SE": "se", "AU": "com.au", "JP": "co.jp", "SG": "com.sg", "BR": "com.br"}
)

var titles = []struct {
	title string
	role  nudge.BuyingRole
}{
	{"CEO", nudge.RoleDecisionMaker}, {"CFO", nudge.RoleDecisionMaker}, {"COO", nudge.RoleDecisionMaker},
	{"VP Sales", nudge.RoleDecisionMaker}, {"VP Operations", nudge.RoleDecisionMaker}, {"Head of IT", nudge.RoleDecisionMaker},
	{"Director of Finance", nudge.RoleInfluencer}, {"Operations Manager", nudge.RoleInfluencer},
	{"Procurement Manager", nudge.RoleInfluencer}, {"IT Manager", nudge.RoleInfluencer}, {"Controller", nudge.RoleInfluencer},
	{"Office Manager", nudge.RoleUser}, {"Sales Manager", nudge.RoleUser}, {"Analyst", nudge.RoleUser},
	{"Accountant", nudge.RoleUser}, {"Engineer", nudge.RoleUser}, {"Executive Assistant", nudge.RoleAssistant},
	{"Receptionist", nudge.RoleReceptionist}, {"Founder", nudge.RoleBoss}, {"Managing Director", nudge.RoleBoss},
}

// W.I.N. notes (A1) and pain/gain (A6), composed from parts.
var (
	topics = []string{"pricing for 40 seats", "the month-end close", "rollout to the EMEA team", "the renewal in Q3",
		"integration with their ERP", "security review", "a pilot with two teams", "onboarding timeline",
		"support hours in their zone", "the proposal we sent", "replacing their spreadsheets", "reporting for the board",
		"lot availability and current home prices", "volume discounts", "a multi-year agreement"}
	insights = []string{"budget frees up in Q1", "the CFO signs anything over $25k", "they are also talking to a competitor",
		"the current vendor's contract ends in June", "IT must approve any new tool", "the team lost two people",
		"speed matters more than price", "they were burned by a failed rollout", "the board wants numbers by March",
		"no urgency until after the audit", "their assistant books all meetings", "they prefer email to calls"}
	nextSteps = []string{"send the case study", "call with their CFO", "demo for the whole team", "send a revised quote",
		"answer the security questionnaire", "meet at their office", "trial account for two weeks",
		"intro to our customer in their industry", "they answer by Friday", "check in after the board meeting"}
	painGains = []string{"month-end close takes 9 days", "losing deals because follow-up slips", "two people re-key every order",
		"no view of the pipeline across regions", "customer churn of 12% a year", "support tickets wait 3 days",
		"wants to cut freight cost by 10%", "audit findings on access control", "hiring freeze but growth targets",
		"current home price and lot availability"}
	interestsList = []string{"golf", "sailing", "YPO", "marathons", "wine", "skiing", "cycling", "jazz", "chess", "football"}
)
