// Placeholder: the programmable HTTP/1.1 test server lands here.
public enum TestSupportPlaceholder {}
