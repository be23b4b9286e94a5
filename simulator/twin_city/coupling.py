"""The couplings between the regions of the twin-city circle, as Vensim equations.

Four channels, each with strengths that default to 0 so that the decoupled
circle is six independent copies of the core model (every added term is then
an exact ``+ 0``):

- technology contracts sold by one region to another (输出 / 吸纳): a
  Region x Partner share of the seller's registered turnover; the buyer adds a
  share of what it absorbs to its R&D capital;
- knowledge spillovers: collaboration ties (and collaboration projects) let a
  region's transferable results draw on its partners' R&D capital;
- relocation of tech SMEs and high-tech enterprises: moved out of one region's
  stock, into another's, so the circle's firm count is conserved;
- joint platforms (joint labs): a Region x Partner stock built by a lever,
  counted by both partners among the platforms that yield results.

Every strength here is a marked assumption with a range (docs/twin-city.md):
no source gives inter-regional figures at this resolution.
"""

from __future__ import annotations

from simulator.twin_city.regions import REGIONS

#: Net flows added to core-model stocks (canonical name -> term).
INTEG_TERMS = {
    "high tech enterprises": "HTEs moved in[Region] - HTEs moved out[Region]",
    "tech smes registered": "SMEs moved in[Region] - SMEs moved out[Region]",
}

#: Terms added to core-model auxiliaries.
ADDED_TERMS = {
    "rd capital formation": "Absorbed RD capital formation[Region]",
}

#: References replaced inside one core-model equation: equation -> name -> replacement.
REPLACED_REFS = {
    "new transferable results": {
        "rd capital": "(RD capital[Region] + Spillover RD capital[Region])",
        "innovation platforms": "(Innovation platforms[Region] + Shared joint platforms[Region])",
    },
}

#: The coupling strengths and levers a twin-city scenario may set: name -> (dims, unit, range).
STRENGTHS = {
    "contract_trade_share": (2, "Dmnl", (0.0, 0.3)),
    "collaboration_tie": (2, "Dmnl", (0.0, 0.1)),
    "sme_relocation_rate": (2, "1/Year", (0.0, 0.02)),
    "hte_relocation_rate": (2, "1/Year", (0.0, 0.02)),
    "joint_platform_construction": (2, "家/Year", (0.0, 20.0)),
    "collaboration_projects": (2, "项/Year", (0.0, 200.0)),
    "cross_region_contract_subsidy": (1, "Dmnl", (0.0, 0.3)),
}

DIMENSIONS = f"""Region:
\t{", ".join(REGIONS)}
\t~\t
\t~\tThe regions of the Chengdu-Chongqing twin-city circle (and Ningxia, run alongside).
\t|

Partner <-> Region
\t~\t
\t~\tThe same regions in the role of trading or collaboration partner.
\t|
"""

EQUATIONS_TEMPLATE = """
********************************************************
\t.Twin city coupling
********************************************************~
\t\tFlows between the regions (simulator/twin_city/coupling.py). Every strength \\
\t\tdefaults to 0: the regions then run alone.
\t|

Contract trade share[Region, Partner]=
\t0
\t~\tDmnl [0,0.3]
\t~\tShare of the seller Region's registered technology-contract turnover bought by \\
\t\tPartner. assumption: no source splits a region's turnover by buying region.
\t|

Cross region contract subsidy[Region]=
\t0
\t~\tDmnl [0,0.3]
\t~\tLEVER. Subsidy per yuan of technology contracts a buyer region absorbs from \\
\t\tthe circle (cross-region contract subsidy, 技术合同 跨区域 补贴).
\t|

Contract subsidy elasticity=
\t1
\t~\tDmnl [0,3]
\t~\tRelative rise of contract purchases per unit of subsidy. assumption.
\t|

Contract purchase intent[Region, Partner]=
\tContract trade share[Region, Partner] * \\
\t\t(1 + Contract subsidy elasticity * Cross region contract subsidy[Partner])
\t~\tDmnl
\t~\tShare of Region's turnover Partner would buy, before the cap below.
\t|

Contract sale scale[Region]=
\tMAX(1, SUM(Contract purchase intent[Region, Partner!]))
\t~\tDmnl
\t~\tA region cannot sell more than its whole turnover to the circle.
\t|

Contracts sold to partner[Region, Partner]=
\tContract purchase intent[Region, Partner] / Contract sale scale[Region] * \\
\t\tTech contract turnover[Region]
\t~\t亿元/Year
\t~\tContract value sold by Region to Partner (Region's 输出, Partner's 吸纳).
\t|

Tech contracts sold to circle[Region]=
\tSUM(Contracts sold to partner[Region, Partner!])
\t~\t亿元/Year
\t~\tTechnology contracts sold to the other regions of the circle (输出).
\t|

Tech contracts absorbed[Region]=
\tSUM(Contracts sold to partner[Partner!, Region])
\t~\t亿元/Year
\t~\tTechnology contracts bought from the other regions of the circle (吸纳).
\t|

Absorbed contract capital share=
\t0.5
\t~\tDmnl [0,1]
\t~\tShare of the value of an absorbed contract that adds to the buyer's R&D \\
\t\tcapital. assumption: part of a contract's value is services and equipment.
\t|

Absorbed RD capital formation[Region]=
\tAbsorbed contract capital share * Tech contracts absorbed[Region] * RD capital step factor[Region]
\t~\t亿元/Year
\t~\tKnowledge bought from the circle that adds to R&D capital (same step factor \\
\t\tas own R&D).
\t|

Collaboration tie[Region, Partner]=
\t0
\t~\tDmnl [0,0.1]
\t~\tShare of Partner's R&D capital that Region's transferable results draw on \\
\t\t(knowledge spillover through collaboration). assumption.
\t|

Collaboration projects[Region, Partner]=
\t0
\t~\t项/Year [0,200]
\t~\tLEVER. Joint R&D projects of Region with Partner per year (协同创新 项目).
\t|

Tie per collaboration project=
\t0.0002
\t~\tYear/项 [0,0.001]
\t~\tCollaboration tie added by one joint project a year. assumption: 100 projects \\
\t\ta year give a tie of 0.02, a fiftieth of the partner's R&D capital.
\t|

Effective collaboration tie[Region, Partner]=
\tCollaboration tie[Region, Partner] + \\
\t\tTie per collaboration project * Collaboration projects[Region, Partner]
\t~\tDmnl
\t~\tTie through standing collaboration and joint projects.
\t|

Spillover RD capital[Region]=
\tSUM(Effective collaboration tie[Region, Partner!] * RD capital[Partner!])
\t~\t亿元
\t~\tPartners' R&D capital that counts for Region's transferable results.
\t|

SME relocation rate[Region, Partner]=
\t0
\t~\t1/Year [0,0.02]
\t~\tShare of Region's registered tech SMEs moving to Partner per year. assumption.
\t|

HTE relocation rate[Region, Partner]=
\t0
\t~\t1/Year [0,0.02]
\t~\tShare of Region's high-tech enterprises moving to Partner per year. \\
\t\tassumption. A moved firm keeps its certificate; its expiry stays in the \\
\t\torigin's conveyor (docs/twin-city.md).
\t|

{relocations}Joint platform construction[Region, Partner]=
\t0
\t~\t家/Year [0,20]
\t~\tLEVER. Joint platforms (joint labs, 联合实验室) Region builds with Partner per year.
\t|

Joint platforms[Region, Partner]= INTEG (
\tJoint platform construction[Region, Partner] - Joint platform delistings[Region, Partner],
\t\t0)
\t~\t家
\t~\tJoint platforms of Region with Partner.
\t|

Joint platform delistings[Region, Partner]=
\tPlatform delisting rate[Region] * Joint platforms[Region, Partner]
\t~\t家/Year
\t~\tJoint platforms close at the builder's delisting rate.
\t|

Joint platform share=
\t0.5
\t~\tDmnl [0,1]
\t~\tWhat a joint platform counts for each partner, against an own platform. \\
\t\tassumption: shared between two.
\t|

Shared joint platforms[Region]=
\tJoint platform share * \\
\t\t(SUM(Joint platforms[Region, Partner!]) + SUM(Joint platforms[Partner!, Region]))
\t~\t家
\t~\tJoint platforms Region takes part in, weighted by the share.
\t|
"""


def _relocation(kind: str, rate: str, stock: str, what: str) -> str:
    """Return the flows of firms of one kind between regions, and their sums."""
    return f"""{kind} moved[Region, Partner]=
\t{rate}[Region, Partner] * {stock}[Region]
\t~\t家/Year
\t~\t{what} moving from Region to Partner.
\t|

{kind} moved out[Region]=
\tSUM({kind} moved[Region, Partner!])
\t~\t家/Year
\t~\t
\t|

{kind} moved in[Region]=
\tSUM({kind} moved[Partner!, Region])
\t~\t家/Year
\t~\t
\t|

"""


EQUATIONS = EQUATIONS_TEMPLATE.replace("{relocations}", _relocation(
    "SMEs", "SME relocation rate", "Tech SMEs registered", "Tech SMEs") + _relocation(
    "HTEs", "HTE relocation rate", "High tech enterprises", "High-tech enterprises"))
