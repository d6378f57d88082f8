// Shared by the site build and the browser script (so: no imports). A search that is a concept id
// (SNOMED CT ids are 6 to 18 digits) is looked up in the facet table's code list, not searched as
// text: a text search's prefix matching would find "10200004" in any number that starts with it.
export const CODE_QUERY = /^\d{6,18}$/;
