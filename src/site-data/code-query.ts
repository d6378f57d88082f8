// Shared by the site build and the browser script (so: no imports). A search that is a concept id
// (SNOMED CT ids are 6 to 18 digits) is looked up in the facet table's code list, not searched as
// text: Pagefind's partial matching made "10200004" find models whose text contains "10".
export const CODE_QUERY = /^\d{6,18}$/;
