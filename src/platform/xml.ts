// A small, namespace-aware XML reader for request bodies from callers we do not trust (the legacy
// endpoint's WxAccess_Token). It reads documents as DataContractSerializer and XmlWriter write them
// and refuses everything that makes XML parsers dangerous: a DOCTYPE (and with it every entity
// definition), entity references other than the five predefined ones, unbounded nesting. It never
// throws and never recurses, so a hostile body is an answer, not a crash or a stack overflow.

type XmlAttribute = { namespace: string; name: string; value: string };

export type XmlElement = {
  namespace: string;
  /** The local name, without prefix. */
  name: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** The character data directly inside this element (text and CDATA, entities decoded). */
  text: string;
};

export type XmlParse = { ok: true; root: XmlElement } | { ok: false; reason: string };

const XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance";
const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE = "http://www.w3.org/2000/xmlns/";

/** Documents this reader is for nest two or three levels; deeper is not a message we read. */
const MAX_DEPTH = 32;

const PREDEFINED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

class XmlRefusal {
  constructor(readonly reason: string) {}
}

type OpenElement = {
  element: XmlElement;
  qname: string;
  /** Prefix → namespace declared on this element (the empty prefix is the default namespace). */
  scope: Map<string, string>;
};

export function parseXml(source: string): XmlParse {
  try {
    return { ok: true, root: new Reader(source).document() };
  } catch (error) {
    if (error instanceof XmlRefusal) return { ok: false, reason: error.reason };
    // A bug here must still be a refusal of the body, not a 500.
    return { ok: false, reason: "unreadable XML" };
  }
}

/** Whether the element carries xsi:nil="true", DataContractSerializer's null. */
export function isNil(element: XmlElement): boolean {
  const nil = element.attributes.find((a) => a.namespace === XSI_NAMESPACE && a.name === "nil");
  const value = nil?.value.trim();
  return value === "true" || value === "1";
}

function isNameStart(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    code === 0x5f ||
    code === 0x3a ||
    (code >= 0xc0 && code !== 0xd7 && code !== 0xf7)
  );
}

function isNameChar(code: number): boolean {
  return (
    isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e || code === 0xb7
  );
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** XML 1.0's Char production: what a character reference may name. */
export function isXmlChar(code: number): boolean {
  return (
    code === 0x09 ||
    code === 0x0a ||
    code === 0x0d ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

class Reader {
  private pos = 0;
  private readonly text: string;

  constructor(source: string) {
    // A byte order mark may precede the document; line ends are normalized as XML 1.0 §2.11 says.
    this.text = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  }

  document(): XmlElement {
    this.skipMisc();
    if (this.pos >= this.text.length) throw new XmlRefusal("no root element");
    const root = this.element();
    this.skipMisc();
    if (this.pos < this.text.length) throw new XmlRefusal("content after the root element");
    return root;
  }

  /** Whitespace, comments and processing instructions, before and after the root element. */
  private skipMisc(): void {
    for (;;) {
      while (this.pos < this.text.length && isWhitespace(this.text.charCodeAt(this.pos))) this.pos++;
      if (this.text.startsWith("<!--", this.pos)) this.skipComment();
      else if (this.text.startsWith("<?", this.pos)) this.skipProcessingInstruction();
      else if (this.text.startsWith("<!", this.pos)) throw this.declarationRefusal();
      else return;
    }
  }

  private declarationRefusal(): XmlRefusal {
    return this.text.startsWith("<!DOCTYPE", this.pos)
      ? new XmlRefusal("a DOCTYPE is not allowed")
      : new XmlRefusal("markup declarations are not allowed");
  }

  private skipComment(): void {
    const end = this.text.indexOf("-->", this.pos + 4);
    if (end < 0) throw new XmlRefusal("unterminated comment");
    this.pos = end + 3;
  }

  private skipProcessingInstruction(): void {
    const end = this.text.indexOf("?>", this.pos + 2);
    if (end < 0) throw new XmlRefusal("unterminated processing instruction");
    this.pos = end + 2;
  }

  private name(): string {
    const start = this.pos;
    if (!isNameStart(this.text.charCodeAt(this.pos))) throw new XmlRefusal(`a name was expected at ${start}`);
    this.pos++;
    while (this.pos < this.text.length && isNameChar(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private skipWhitespace(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length && isWhitespace(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > start;
  }

  /** Character data with the predefined entities and character references decoded. */
  private decode(raw: string): string {
    if (!raw.includes("&")) return raw;
    let out = "";
    let at = 0;
    for (;;) {
      const amp = raw.indexOf("&", at);
      if (amp < 0) return out + raw.slice(at);
      const semi = raw.indexOf(";", amp);
      if (semi < 0) throw new XmlRefusal("an unterminated entity reference");
      out += raw.slice(at, amp);
      out += this.reference(raw.slice(amp + 1, semi));
      at = semi + 1;
    }
  }

  private reference(name: string): string {
    const predefined = PREDEFINED_ENTITIES[name];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!numeric)
      throw new XmlRefusal("entity references other than &lt; &gt; &amp; &quot; &apos; are not allowed");
    const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
    if (!isXmlChar(code)) throw new XmlRefusal("a character reference to a character XML does not allow");
    return String.fromCodePoint(code);
  }

  private attributeValue(): string {
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") throw new XmlRefusal("an attribute value must be quoted");
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) throw new XmlRefusal("an unterminated attribute value");
    const raw = this.text.slice(this.pos + 1, end);
    if (raw.includes("<")) throw new XmlRefusal("'<' is not allowed in an attribute value");
    this.pos = end + 1;
    // Attribute-value normalization (XML 1.0 §3.3.3): literal whitespace becomes a space.
    return this.decode(raw.replace(/[\t\n]/g, " "));
  }

  /** The root element and everything in it, read with an explicit stack. */
  private element(): XmlElement {
    const stack: OpenElement[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      if (this.text.startsWith("</", this.pos)) {
        const open = stack.pop();
        if (!open) throw new XmlRefusal("an end tag without a start tag");
        this.pos += 2;
        const qname = this.name();
        this.skipWhitespace();
        if (qname !== open.qname || this.text[this.pos] !== ">")
          throw new XmlRefusal(`</${open.qname}> was expected`);
        this.pos++;
        if (stack.length === 0) return root!;
      } else if (this.text.startsWith("<!--", this.pos)) {
        this.skipComment();
      } else if (this.text.startsWith("<![CDATA[", this.pos)) {
        const end = this.text.indexOf("]]>", this.pos + 9);
        if (end < 0) throw new XmlRefusal("an unterminated CDATA section");
        this.current(stack).text += this.text.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.text.startsWith("<!", this.pos)) {
        throw this.declarationRefusal();
      } else if (this.text.startsWith("<?", this.pos)) {
        this.skipProcessingInstruction();
      } else if (this.text.startsWith("<", this.pos)) {
        if (stack.length >= MAX_DEPTH) throw new XmlRefusal(`elements nest deeper than ${MAX_DEPTH}`);
        const { open, selfClosing } = this.startTag(stack);
        if (stack.length > 0) this.current(stack).children.push(open.element);
        else root = open.element;
        if (!selfClosing) stack.push(open);
        else if (stack.length === 0) return root!;
      } else {
        if (stack.length === 0) throw new XmlRefusal("text outside the root element");
        const next = this.text.indexOf("<", this.pos);
        if (next < 0) throw new XmlRefusal(`</${stack.at(-1)!.qname}> is missing`);
        this.current(stack).text += this.decode(this.text.slice(this.pos, next));
        this.pos = next;
      }
      if (this.pos >= this.text.length) throw new XmlRefusal("the document ends inside an element");
    }
  }

  private current(stack: OpenElement[]): XmlElement {
    const open = stack.at(-1);
    if (!open) throw new XmlRefusal("content outside the root element");
    return open.element;
  }

  private startTag(stack: OpenElement[]): { open: OpenElement; selfClosing: boolean } {
    this.pos++;
    const qname = this.name();
    const raw: { qname: string; value: string }[] = [];
    const seen = new Set<string>();
    let selfClosing = false;
    for (;;) {
      const spaced = this.skipWhitespace();
      if (this.text.startsWith("/>", this.pos)) {
        this.pos += 2;
        selfClosing = true;
        break;
      }
      if (this.text[this.pos] === ">") {
        this.pos++;
        break;
      }
      if (this.pos >= this.text.length) throw new XmlRefusal(`an unterminated <${qname}> tag`);
      if (!spaced) throw new XmlRefusal(`whitespace was expected in <${qname}>`);
      const name = this.name();
      this.skipWhitespace();
      if (this.text[this.pos] !== "=") throw new XmlRefusal(`'=' was expected after ${name}`);
      this.pos++;
      this.skipWhitespace();
      const value = this.attributeValue();
      if (seen.has(name)) throw new XmlRefusal(`attribute ${name} appears twice`);
      seen.add(name);
      raw.push({ qname: name, value });
    }

    const scope = new Map<string, string>();
    for (const { qname: name, value } of raw) {
      if (name === "xmlns") scope.set("", value);
      else if (name.startsWith("xmlns:")) {
        if (value === "") throw new XmlRefusal(`${name} cannot undeclare a prefix`);
        scope.set(name.slice(6), value);
      }
    }
    const lookup = (prefix: string): string | undefined => {
      if (prefix === "xml") return XML_NAMESPACE;
      if (scope.has(prefix)) return scope.get(prefix);
      for (let i = stack.length - 1; i >= 0; i--) {
        const found = stack[i]!.scope.get(prefix);
        if (found !== undefined) return found;
      }
      return prefix === "" ? "" : undefined;
    };
    const resolve = (name: string, isAttribute: boolean): { namespace: string; name: string } => {
      const colon = name.indexOf(":");
      if (colon < 0) return { namespace: isAttribute ? "" : (lookup("") ?? ""), name };
      const prefix = name.slice(0, colon);
      const local = name.slice(colon + 1);
      if (local === "" || local.includes(":")) throw new XmlRefusal(`${name} is not a qualified name`);
      const namespace = lookup(prefix);
      if (namespace === undefined) throw new XmlRefusal(`the prefix ${prefix} is not declared`);
      return { namespace, name: local };
    };

    const attributes: XmlAttribute[] = raw.map(({ qname: name, value }) =>
      name === "xmlns" || name.startsWith("xmlns:")
        ? { namespace: XMLNS_NAMESPACE, name: name === "xmlns" ? "xmlns" : name.slice(6), value }
        : { ...resolve(name, true), value },
    );
    const element: XmlElement = { ...resolve(qname, false), attributes, children: [], text: "" };
    return { open: { element, qname, scope }, selfClosing };
  }
}
