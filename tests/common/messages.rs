//! Henvisning messages written from the standard's element names, for the tests (fictive
//! people): v2.0 in MsgHead with the options real ones carry, and v1.0/v1.1.

/// What one v2.0 message holds beyond its defaults.
#[derive(Clone, Default)]
pub struct V2 {
    pub msg_id: &'static str,
    pub serv_type: &'static str,
    /// RefToConversation (and RefToParent): the first message of the referral.
    pub conversation: &'static str,
    pub comment: &'static str,
    pub problem: &'static str,
    pub patient: (&'static str, &'static str),
    /// Extra XML inside `VurderingAvHenvisning`, after the dates.
    pub assessment: &'static str,
    /// (ansiennitetsdato, vurderingsdato, frist, ventetid slutt)
    pub dates: [&'static str; 4],
    /// Bytes of base64 attachment in a second Document.
    pub attachment: usize,
    /// The patient's fødselsnummer (13097248022 when empty).
    pub national_id: &'static str,
}

impl V2 {
    pub fn xml(&self) -> String {
        let conversation = if self.conversation.is_empty() {
            String::new()
        } else {
            format!(
                "<mh:ConversationRef><mh:RefToParent>{0}</mh:RefToParent>\
                 <mh:RefToConversation>{0}</mh:RefToConversation></mh:ConversationRef>",
                self.conversation
            )
        };
        let serv_type = if self.serv_type.is_empty() {
            String::new()
        } else {
            format!(
                "<hv:ServType V=\"{}\" DN=\"{}\"/>",
                self.serv_type,
                match self.serv_type {
                    "C" => "Kansellering",
                    "M" => "Endring",
                    _ => "Ny",
                }
            )
        };
        let comment = if self.comment.is_empty() {
            String::new()
        } else {
            format!("<hv:ReqComment>{}</hv:ReqComment>", self.comment)
        };
        let mut dated = String::new();
        for (i, d) in self.dates.iter().enumerate() {
            if !d.is_empty() {
                dated.push_str(&format!(
                    "<hv:DatoMottakOgVurdering><hv:TypeDato V=\"{}\" S=\"2.16.578.1.12.4.1.1.9147\"/>\
                     <hv:Dato V=\"{d}\"/></hv:DatoMottakOgVurdering>",
                    i + 1
                ));
            }
        }
        let vurdering = if dated.is_empty() && self.assessment.is_empty() {
            String::new()
        } else {
            format!(
                "<hv:VurderingAvHenvisning>{dated}{}</hv:VurderingAvHenvisning>",
                self.assessment
            )
        };
        let attachment = if self.attachment == 0 {
            String::new()
        } else {
            let line =
                "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n";
            let body = line.repeat(self.attachment / line.len() + 1);
            format!(
                "<mh:Document><mh:RefDoc><mh:MsgType V=\"A\" DN=\"Vedlegg\"/>\
                 <mh:MimeType>application/pdf</mh:MimeType><mh:Content>\
                 <b64:Base64Container xmlns:b64=\"http://www.kith.no/xmlstds/base64container\">{body}</b64:Base64Container>\
                 </mh:Content></mh:RefDoc></mh:Document>"
            )
        };
        let (given, family) = if self.patient.0.is_empty() {
            ("Kari", "Nordmann")
        } else {
            self.patient
        };
        let problem = if self.problem.is_empty() {
            "Smerter i korsrygg i tre år."
        } else {
            self.problem
        };
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Eksportert fra meldingstjeneren 2026-11-20 -->
<!-- Fiktive personer -->
<mh:MsgHead xmlns:mh="http://www.kith.no/xmlstds/msghead/2006-05-24">
  <mh:MsgInfo>
    <mh:Type V="HENVISNING" DN="Henvisning"/>
    <mh:MIGversion>v1.2 2006-05-24</mh:MIGversion>
    <mh:GenDate>2026-11-20T10:15:00+01:00</mh:GenDate>
    <mh:MsgId>{msg_id}</mh:MsgId>
    <mh:ProcessingStatus V="TEST" DN="Test"/>
    {conversation}
    <mh:Sender>
      <mh:Organisation>
        <mh:OrganisationName>Nordbyen legekontor</mh:OrganisationName>
        <mh:Ident><mh:Id>81234</mh:Id><mh:TypeId V="HER" DN="HER-id"/></mh:Ident>
        <mh:HealthcareProfessional>
          <mh:RoleToPatient V="6" DN="Fastlege"/>
          <mh:FamilyName>Berg</mh:FamilyName>
          <mh:GivenName>Åsmund</mh:GivenName>
          <mh:Ident><mh:Id>7654321</mh:Id><mh:TypeId V="HPR" DN="HPR-nummer"/></mh:Ident>
          <mh:Ident><mh:Id>81235</mh:Id><mh:TypeId V="HER" DN="HER-id"/></mh:Ident>
        </mh:HealthcareProfessional>
      </mh:Organisation>
    </mh:Sender>
    <mh:Receiver><mh:Organisation><mh:OrganisationName>Smerteklinikken</mh:OrganisationName></mh:Organisation></mh:Receiver>
    <mh:Patient>
      <mh:FamilyName>{family}</mh:FamilyName>
      <mh:GivenName>{given}</mh:GivenName>
      <mh:Ident><mh:Id>{national_id}</mh:Id><mh:TypeId V="FNR" DN="Fødselsnummer"/></mh:Ident>
    </mh:Patient>
  </mh:MsgInfo>
  <mh:Document>
    <mh:DocumentConnection V="H" DN="Hoveddokument"/>
    <mh:RefDoc>
      <mh:IssueDate V="2026-11-20T10:14:00"/>
      <mh:MsgType V="XML" DN="XML-instans"/>
      <mh:Id>REF-{msg_id}</mh:Id>
      <mh:Content>
        <hv:Henvisning xmlns:hv="http://ehelse.no/xmlstds/henvisning/2017-11-30">
          {serv_type}
          {comment}
          {vurdering}
          <hv:ReasonAsText>
            <hv:Heading V="PROB" DN="Aktuell problemstilling"/>
            <hv:TextResultValue>
                {problem}
            </hv:TextResultValue>
          </hv:ReasonAsText>
        </hv:Henvisning>
      </mh:Content>
    </mh:RefDoc>
  </mh:Document>
  {attachment}
</mh:MsgHead>
"#,
            msg_id = self.msg_id,
            national_id = if self.national_id.is_empty() {
                "13097248022"
            } else {
                self.national_id
            },
        )
    }
}

/// A v1.0 or v1.1 message: `MsgId` under the root `Message`, the referral's own `ServReq/Id`.
pub fn v1(ns: &str, msg_id: &str, own_id: &str, serv_type: &str, problem: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Fiktive personer -->
<Message xmlns="{ns}">
  <Type V="HENVISNING" DN="Henvisning"/>
  <MIGversion>v1.1</MIGversion>
  <GenDate V="2026-11-16T09:41:00"/>
  <MsgId>{msg_id}</MsgId>
  <ServReq>
    <ServType V="{serv_type}"/>
    <IssueDate V="2026-11-16T09:40:00"/>
    <Id>{own_id}</Id>
    <ReasonAsText>
      <Heading V="PROB" DN="Aktuell problemstilling"/>
      <TextResultValue>{problem}</TextResultValue>
    </ReasonAsText>
    <Requester>
      <RoleToPatient V="6" DN="Fastlege"/>
      <HCP><Inst><Name>Storby legesenter</Name><Id>71111</Id><TypeId V="HER"/>
        <HCPerson><Name>Lise Lege</Name><Id>9144889</Id><TypeId V="HPR"/></HCPerson></Inst></HCP>
    </Requester>
    <Patient>
      <Name>Per Olsen</Name>
      <OffId>15021951940</OffId>
      <TypeOffId V="FNR"/>
    </Patient>
  </ServReq>
</Message>
"#
    )
}

pub const NS_V1_0: &str = "http://www.kith.no/xmlstds/henvisning/2005-07-08";
pub const NS_V1_1: &str = "http://www.kith.no/xmlstds/henvisning/2012-02-15";

impl V2 {
    /// A new referral with this message id (the defaults for the rest).
    pub fn new(msg_id: &'static str) -> Self {
        Self {
            msg_id,
            ..Self::default()
        }
    }

    /// A cancellation of the referral whose first message is `original`, with its reason.
    pub fn cancel(msg_id: &'static str, original: &'static str, comment: &'static str) -> Self {
        Self {
            msg_id,
            serv_type: "C",
            conversation: original,
            comment,
            ..Self::default()
        }
    }
}

/// Writes a message to `dir/name`.
pub fn write(dir: &std::path::Path, name: &str, xml: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, xml).unwrap();
    path
}
